using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastPath.Wire.Checksums;

public static partial class InternetChecksum
{
    /// <summary>
    /// 256-bit path, for CPUs whose 512-bit vectors are missing or not accelerated (AVX2): the same
    /// carry-free scheme as <see cref="SumVector512"/>, on narrower lanes.
    /// </summary>
    internal static uint SumVector256(ReadOnlySpan<byte> data)
    {
        nuint width = (nuint)Vector256<byte>.Count;
        if (!Vector256.IsHardwareAccelerated || (nuint)data.Length < width)
            return SumScalar(data);

        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint even = (nuint)data.Length & ~(nuint)1, i = 0;
        Vector256<ulong> raw0 = Vector256<ulong>.Zero, raw1 = Vector256<ulong>.Zero;
        Vector256<ulong> high0 = Vector256<ulong>.Zero, high1 = Vector256<ulong>.Zero;
        // Four loads per iteration and two accumulator pairs keep the adds off one dependency chain.
        for (; i + 4 * width <= even; i += 4 * width)
        {
            Vector256<ulong> v0 = Vector256.LoadUnsafe(ref start, i).AsUInt64();
            Vector256<ulong> v1 = Vector256.LoadUnsafe(ref start, i + width).AsUInt64();
            Vector256<ulong> v2 = Vector256.LoadUnsafe(ref start, i + 2 * width).AsUInt64();
            Vector256<ulong> v3 = Vector256.LoadUnsafe(ref start, i + 3 * width).AsUInt64();
            raw0 += v0;
            high0 += Vector256.ShiftRightLogical(v0, 32);
            raw1 += v1;
            high1 += Vector256.ShiftRightLogical(v1, 32);
            raw0 += v2;
            high0 += Vector256.ShiftRightLogical(v2, 32);
            raw1 += v3;
            high1 += Vector256.ShiftRightLogical(v3, 32);
        }
        for (; i + width <= even; i += width)
        {
            Vector256<ulong> v = Vector256.LoadUnsafe(ref start, i).AsUInt64();
            raw0 += v;
            high0 += Vector256.ShiftRightLogical(v, 32);
        }
        if (i < even)
        {
            Vector256<byte> unsummed = Vector256.GreaterThanOrEqual(Vector256<byte>.Indices, Vector256.Create((byte)(width - (even - i))));
            Vector256<ulong> v = (Vector256.LoadUnsafe(ref start, even - width) & unsummed).AsUInt64();
            raw1 += v;
            high1 += Vector256.ShiftRightLogical(v, 32);
        }

        Vector256<ulong> high = high0 + high1;
        ulong total = Vector256.Sum(raw0 + raw1 - Vector256.ShiftLeft(high, 32) + high);
        if (even != (nuint)data.Length)
            total += OddTrailingByte(Unsafe.Add(ref start, even));
        return SwapFolded(Fold(total));
    }
}
