using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastPath.Wire.Checksums;

public static partial class InternetChecksum
{
    /// <summary>
    /// 64-bit scalar path. Words are read in native (little-endian) order and the folded result is swapped
    /// once at the end: the one's complement sum is byte-order independent (RFC 1071 section 2(B)).
    /// </summary>
    internal static uint SumScalar(ReadOnlySpan<byte> data) => SwapFolded(Fold(SumNativeUnfolded(data)));

    /// <summary>
    /// The one's complement sum of <paramref name="data"/> read as native-order 32-bit words, not yet folded
    /// (an odd last byte is the high byte of a zero-padded word on the wire). Small enough to inline where a
    /// short message is checked on a packet path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong SumNativeUnfolded(ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length, i = 0;
        // 32-bit halves into 64-bit accumulators: no carry to track for 2^32 additions; four of them so the
        // additions do not wait on each other.
        ulong a = 0, b = 0, c = 0, d = 0;
        for (; i + 16 <= length; i += 16)
        {
            a += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
            b += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 4));
            c += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 8));
            d += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 12));
        }
        for (; i + 4 <= length; i += 4)
            a += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
        if (i + 2 <= length)
        {
            b += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
            i += 2;
        }
        if (i < length)
            c += OddTrailingByte(Unsafe.Add(ref start, i));
        return a + b + c + d;
    }
}
