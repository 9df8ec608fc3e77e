using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastPath.Wire.Checksums;

public static partial class InternetChecksum
{
    /// <summary>
    /// Below this many bytes the scalar path wins: the vector paths pay a horizontal reduction and a tail
    /// mask that a 20-byte IPv4 header or an 8-byte UDP header never amortises.
    /// </summary>
    internal const int VectorThreshold = 64;

    /// <summary>The widest hardware-accelerated path, chosen once when the type is first used.</summary>
    // A get-only auto-property is backed by a static readonly field, which the tiered JIT reads as a
    // constant: the switch in SumBestPath folds down to one direct call.
    public static ChecksumPath BestPath { get; } = SelectBestPath();

    /// <summary>The one's complement sum of <paramref name="data"/> by the given path (tests and benchmarks).</summary>
    internal static uint Sum(ReadOnlySpan<byte> data, ChecksumPath path) => path switch
    {
        ChecksumPath.Vector512 => SumVector512(data),
        ChecksumPath.Vector256 => SumVector256(data),
        ChecksumPath.Vector128 => SumVector128(data),
        _ => SumScalar(data),
    };

    /// <summary>True when <paramref name="path"/> runs in hardware here (false means it would only be emulated).</summary>
    internal static bool IsAccelerated(ChecksumPath path) => path switch
    {
        ChecksumPath.Vector512 => Vector512.IsHardwareAccelerated,
        ChecksumPath.Vector256 => Vector256.IsHardwareAccelerated,
        ChecksumPath.Vector128 => Vector128.IsHardwareAccelerated,
        _ => true,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint SumBestPath(ReadOnlySpan<byte> data) =>
        data.Length < VectorThreshold ? SumScalar(data) : Sum(data, BestPath);

    private static ChecksumPath SelectBestPath() =>
        Vector512.IsHardwareAccelerated ? ChecksumPath.Vector512
        : Vector256.IsHardwareAccelerated ? ChecksumPath.Vector256
        : Vector128.IsHardwareAccelerated ? ChecksumPath.Vector128
        : ChecksumPath.Scalar;

    /// <summary>
    /// The native-order value of a zero-padded last word holding only <paramref name="last"/>: on the wire
    /// it is the high byte (RFC 1071 section 4.1), which is the low byte once read little-endian.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint OddTrailingByte(byte last) => BitConverter.IsLittleEndian ? last : (uint)last << 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint SwapFolded(uint folded) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness((ushort)folded) : folded;
}
