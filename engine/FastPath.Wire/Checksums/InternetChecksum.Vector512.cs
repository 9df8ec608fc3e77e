using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastPath.Wire.Checksums;

public static partial class InternetChecksum
{
    /// <summary>
    /// 512-bit path. The data is summed as 32-bit words in 64-bit lanes: a 32-bit one's complement sum
    /// folds to the same 16-bit sum (2^16 = 1 mod 0xFFFF), and the words are read in native order with one
    /// swap at the end (RFC 1071 section 2(B)), as in <see cref="SumScalar"/>.
    /// </summary>
    /// <remarks>
    /// The carries are not tracked per addition. Each 64-bit lane v = H * 2^32 + L is added whole into
    /// <c>raw</c> (wrapping) and its high half H into <c>high</c> (exact): then raw - high * 2^32 is the exact
    /// sum of the low halves, because it is below 2^64 for fewer than 2^32 additions per lane, far beyond
    /// int.MaxValue bytes. That costs one shift and two adds per vector, with no inner loop to bound.
    /// The last partial vector is the data's last full vector with the bytes already summed masked off:
    /// it starts at an even offset, so the words keep their alignment with the data's start.
    /// </remarks>
    internal static uint SumVector512(ReadOnlySpan<byte> data)
    {
        nuint width = (nuint)Vector512<byte>.Count;
        if (!Vector512.IsHardwareAccelerated || (nuint)data.Length < width)
            return SumScalar(data);

        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint even = (nuint)data.Length & ~(nuint)1, i = 0;
        Vector512<ulong> raw0 = Vector512<ulong>.Zero, raw1 = Vector512<ulong>.Zero;
        Vector512<ulong> high0 = Vector512<ulong>.Zero, high1 = Vector512<ulong>.Zero;
        // Four loads per iteration and two accumulator pairs keep the adds off one dependency chain.
        for (; i + 4 * width <= even; i += 4 * width)
        {
            Vector512<ulong> v0 = Vector512.LoadUnsafe(ref start, i).AsUInt64();
            Vector512<ulong> v1 = Vector512.LoadUnsafe(ref start, i + width).AsUInt64();
            Vector512<ulong> v2 = Vector512.LoadUnsafe(ref start, i + 2 * width).AsUInt64();
            Vector512<ulong> v3 = Vector512.LoadUnsafe(ref start, i + 3 * width).AsUInt64();
            raw0 += v0;
            high0 += Vector512.ShiftRightLogical(v0, 32);
            raw1 += v1;
            high1 += Vector512.ShiftRightLogical(v1, 32);
            raw0 += v2;
            high0 += Vector512.ShiftRightLogical(v2, 32);
            raw1 += v3;
            high1 += Vector512.ShiftRightLogical(v3, 32);
        }
        for (; i + width <= even; i += width)
        {
            Vector512<ulong> v = Vector512.LoadUnsafe(ref start, i).AsUInt64();
            raw0 += v;
            high0 += Vector512.ShiftRightLogical(v, 32);
        }
        if (i < even)
        {
            Vector512<byte> unsummed = Vector512.GreaterThanOrEqual(Vector512<byte>.Indices, Vector512.Create((byte)(width - (even - i))));
            Vector512<ulong> v = (Vector512.LoadUnsafe(ref start, even - width) & unsummed).AsUInt64();
            raw1 += v;
            high1 += Vector512.ShiftRightLogical(v, 32);
        }

        Vector512<ulong> high = high0 + high1;
        ulong total = Vector512.Sum(raw0 + raw1 - Vector512.ShiftLeft(high, 32) + high);
        if (even != (nuint)data.Length)
            total += OddTrailingByte(Unsafe.Add(ref start, even));
        return SwapFolded(Fold(total));
    }
}
