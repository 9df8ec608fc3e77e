using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Ethernet;

/// <summary>A 48-bit IEEE 802 MAC address, held in the low 48 bits of a ulong in wire order.</summary>
public readonly struct MacAddress : IEquatable<MacAddress>, ISpanFormattable
{
    public const int Length = 6;

    private readonly ulong _value;

    private MacAddress(ulong value) => _value = value & 0xFFFF_FFFF_FFFFUL;

    public static MacAddress Broadcast { get; } = new(0xFFFF_FFFF_FFFFUL);
    public static MacAddress Zero => default;

    /// <summary>Reads six bytes in wire order. The caller has checked the length.</summary>
    public MacAddress(ReadOnlySpan<byte> bytes)
    {
        _value = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(bytes) << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes[2..]);
    }

    public static MacAddress FromUInt64(ulong value) => new(value);
    public ulong ToUInt64() => _value;

    /// <summary>
    /// The Ethernet group address of an IPv4 multicast group (RFC 1112 section 6.4): 01:00:5e followed by the
    /// low 23 bits of the group. The mapping is 32-to-1 (224.1.1.1 and 239.129.1.1 share 01:00:5e:01:01:01),
    /// so a receiver still filters on the IP destination.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="group"/> is not in 224.0.0.0/4.</exception>
    public static MacAddress FromIpv4Multicast(Ipv4Address group)
    {
        if (!group.IsMulticast)
        {
            ThrowNotMulticast(group);
        }
        return new MacAddress(0x0100_5E00_0000UL | (group.Value & 0x007F_FFFFu));
    }

    [DoesNotReturn]
    private static void ThrowNotMulticast(Ipv4Address group) =>
        throw new ArgumentException($"{group} is not an IPv4 multicast group (224.0.0.0/4)", nameof(group));

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(_value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)_value);
    }

    /// <summary>I/G bit: the least significant bit of the first octet (IEEE 802-2014 8.2).</summary>
    public bool IsMulticast => ((_value >> 40) & 1) != 0;
    public bool IsBroadcast => _value == 0xFFFF_FFFF_FFFFUL;
    public bool IsUnicast => !IsMulticast;
    public bool IsZero => _value == 0;
    /// <summary>U/L bit: set in locally administered addresses (such as the ones veth makes up).</summary>
    public bool IsLocallyAdministered => ((_value >> 41) & 1) != 0;

    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"'{text}' is not a MAC address (expected aa:bb:cc:dd:ee:ff)");

    /// <summary>Accepts aa:bb:cc:dd:ee:ff and aa-bb-cc-dd-ee-ff, either case.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddress mac) => TryParse(text.AsSpan(), out mac);

    public static bool TryParse(ReadOnlySpan<char> text, out MacAddress mac)
    {
        mac = default;
        if (text.Length != 17) return false;
        ulong value = 0;
        for (int i = 0; i < 6; i++)
        {
            int hi = HexValue(text[i * 3]), lo = HexValue(text[i * 3 + 1]);
            if (hi < 0 || lo < 0) return false;
            if (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-') return false;
            value = (value << 8) | (uint)(hi << 4 | lo);
        }
        mac = new MacAddress(value);
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null)
    {
        charsWritten = 0;
        if (destination.Length < 17) return false;
        for (int i = 0; i < 6; i++)
        {
            byte b = (byte)(_value >> (40 - i * 8));
            destination[i * 3] = "0123456789abcdef"[b >> 4];
            destination[i * 3 + 1] = "0123456789abcdef"[b & 0xF];
            if (i < 5) destination[i * 3 + 2] = ':';
        }
        charsWritten = 17;
        return true;
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public override string ToString() => string.Create(17, this, static (span, mac) => mac.TryFormat(span, out _));

    public bool Equals(MacAddress other) => _value == other._value;
    public override bool Equals(object? obj) => obj is MacAddress other && Equals(other);
    public override int GetHashCode() => _value.GetHashCode();
    public static bool operator ==(MacAddress left, MacAddress right) => left._value == right._value;
    public static bool operator !=(MacAddress left, MacAddress right) => left._value != right._value;
}
