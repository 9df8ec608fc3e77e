using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastPath.Wire.Checksums;

public static partial class InternetChecksum
{
    /// <summary>
    /// 128-bit path, for CPUs with only SSE2 or Arm64 AdvSimd: the same carry-free scheme as
    /// <see cref="SumVector512"/>, on narrower lanes.
    /// </summary>
    internal static uint SumVector128(ReadOnlySpan<byte> data)
    {
        nuint width = (nuint)Vector128<byte>.Count;
        if (!Vector128.IsHardwareAccelerated || (nuint)data.Length < width)
            return SumScalar(data);

        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint even = (nuint)data.Length & ~(nuint)1, i = 0;
        Vector128<ulong> raw0 = Vector128<ulong>.Zero, raw1 = Vector128<ulong>.Zero;
        Vector128<ulong> high0 = Vector128<ulong>.Zero, high1 = Vector128<ulong>.Zero;
        // Four loads per iteration and two accumulator pairs keep the adds off one dependency chain.
        for (; i + 4 * width <= even; i += 4 * width)
        {
            Vector128<ulong> v0 = Vector128.LoadUnsafe(ref start, i).AsUInt64();
            Vector128<ulong> v1 = Vector128.LoadUnsafe(ref start, i + width).AsUInt64();
            Vector128<ulong> v2 = Vector128.LoadUnsafe(ref start, i + 2 * width).AsUInt64();
            Vector128<ulong> v3 = Vector128.LoadUnsafe(ref start, i + 3 * width).AsUInt64();
            raw0 += v0;
            high0 += Vector128.ShiftRightLogical(v0, 32);
            raw1 += v1;
            high1 += Vector128.ShiftRightLogical(v1, 32);
            raw0 += v2;
            high0 += Vector128.ShiftRightLogical(v2, 32);
            raw1 += v3;
            high1 += Vector128.ShiftRightLogical(v3, 32);
        }
        for (; i + width <= even; i += width)
        {
            Vector128<ulong> v = Vector128.LoadUnsafe(ref start, i).AsUInt64();
            raw0 += v;
            high0 += Vector128.ShiftRightLogical(v, 32);
        }
        if (i < even)
        {
            Vector128<byte> unsummed = Vector128.GreaterThanOrEqual(Vector128<byte>.Indices, Vector128.Create((byte)(width - (even - i))));
            Vector128<ulong> v = (Vector128.LoadUnsafe(ref start, even - width) & unsummed).AsUInt64();
            raw1 += v;
            high1 += Vector128.ShiftRightLogical(v, 32);
        }

        Vector128<ulong> high = high0 + high1;
        ulong total = Vector128.Sum(raw0 + raw1 - Vector128.ShiftLeft(high, 32) + high);
        if (even != (nuint)data.Length)
            total += OddTrailingByte(Unsafe.Add(ref start, even));
        return SwapFolded(Fold(total));
    }
}
