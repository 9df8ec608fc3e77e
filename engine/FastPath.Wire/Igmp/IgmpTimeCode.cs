using System.Numerics;

namespace FastPath.Wire.Igmp;

/// <summary>
/// The 8-bit floating-point code of IGMPv3 Max Resp Code (RFC 3376 section 4.1.1, units of 1/10 s) and
/// QQIC (section 4.1.7, seconds): values below 128 are literal, others are
/// <c>1 exp(3) mant(4)</c> meaning <c>(mant | 0x10) &lt;&lt; (exp + 3)</c>.
/// </summary>
public static class IgmpTimeCode
{
    /// <summary>The largest value a code can express: code 0xFF.</summary>
    public const int MaxValue = 0x1F << 10;

    public static int Decode(byte code)
    {
        if (code < 128) return code;
        int exponent = (code >> 4) & 0x07;
        int mantissa = code & 0x0F;
        return (mantissa | 0x10) << (exponent + 3);
    }

    /// <summary>
    /// The code for <paramref name="value"/>, rounded down to the nearest value the format can express and
    /// clamped to <see cref="MaxValue"/>. Rounding down keeps a max response time a promise the querier can
    /// rely on: hosts answer no later than asked.
    /// </summary>
    public static byte Encode(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value < 128) return (byte)value;
        if (value >= MaxValue) return 0xFF;
        // The leading one of (mant | 0x10) << (exp + 3) is bit exp + 7.
        int exponent = BitOperations.Log2((uint)value) - 7;
        int mantissa = (value >> (exponent + 3)) & 0x0F;
        return (byte)(0x80 | exponent << 4 | mantissa);
    }
}
