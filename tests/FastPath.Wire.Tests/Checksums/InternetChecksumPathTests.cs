using FastPath.Wire.Checksums;

namespace FastPath.Wire.Tests.Checksums;

/// <summary>Every implementation path against the byte-pair reference, on every start offset within a cache line.</summary>
public sealed class InternetChecksumPathTests
{
    private const int MaxLength = 9000;
    private const int Alignments = 64;

    public static TheoryData<ChecksumPath> Paths => [ChecksumPath.Scalar, ChecksumPath.Vector128, ChecksumPath.Vector256, ChecksumPath.Vector512];

    // Lengths at and around the vector widths and unrolled strides, where the loops hand over to each other.
    private static readonly int[] EdgeLengths =
        [0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 62, 63, 64, 65, 66, 127, 128, 129, 254, 255, 256, 257, 258, 511, 512, 513, 1500, 8999, 9000];

    [Theory]
    [MemberData(nameof(Paths))]
    public void Random_data_every_alignment_matches_the_reference_and_the_scalar_path(ChecksumPath path)
    {
        SkipUnlessAccelerated(path);
        var random = new Random(1071);
        byte[] buffer = new byte[MaxLength + Alignments];
        random.NextBytes(buffer);

        for (int offset = 0; offset < Alignments; offset++)
        {
            foreach (int length in EdgeLengths)
                AssertSameSum(buffer.AsSpan(offset, length), path);
            for (int n = 0; n < 24; n++)
                AssertSameSum(buffer.AsSpan(offset, random.Next(MaxLength + 1)), path);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void All_ones_data_saturates_every_lane_without_losing_a_carry(ChecksumPath path)
    {
        SkipUnlessAccelerated(path);
        byte[] ones = new byte[MaxLength + Alignments];
        ones.AsSpan().Fill(0xFF);

        for (int length = 0; length <= 600; length++)
            AssertSameSum(ones.AsSpan(length % Alignments, length), path);
        AssertSameSum(ones.AsSpan(1, MaxLength), path);
        // Every 0xFF word is negative zero, so any non-empty sum is 0xFFFF, never 0.
        Assert.Equal(0xFFFFu, InternetChecksum.Sum(ones.AsSpan(3, MaxLength), path));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Sixteen_megabytes_of_ones_does_not_overflow_the_accumulators(ChecksumPath path)
    {
        SkipUnlessAccelerated(path);
        byte[] ones = new byte[16 << 20];
        ones.AsSpan().Fill(0xFF);
        ones[^1] = 0xFE;
        ones[^3] = 0x12;

        AssertSameSum(ones, path);
        AssertSameSum(ones.AsSpan(1), path);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void All_zero_data_sums_to_zero(ChecksumPath path)
    {
        SkipUnlessAccelerated(path);
        byte[] zeros = new byte[MaxLength];

        Assert.Equal(0u, InternetChecksum.Sum(zeros, path));
        Assert.Equal(0u, InternetChecksum.Sum(zeros.AsSpan(7, 1001), path));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Odd_last_byte_is_the_high_byte_of_a_zero_padded_word(ChecksumPath path)
    {
        SkipUnlessAccelerated(path);
        byte[] data = new byte[129];
        data[^1] = 0xAB;

        Assert.Equal(0xAB00u, InternetChecksum.Sum(data, path));
        Assert.Equal(0xAB00u, InternetChecksum.Sum(data.AsSpan(^1), path));
        Assert.Equal(0xAB00u, InternetChecksum.Sum(data.AsSpan(^65), path));
    }

    [Fact]
    public void Best_path_is_the_widest_accelerated_one()
    {
        ChecksumPath best = InternetChecksum.BestPath;

        Assert.True(InternetChecksum.IsAccelerated(best));
        for (ChecksumPath wider = best + 1; wider <= ChecksumPath.Vector512; wider++)
            Assert.False(InternetChecksum.IsAccelerated(wider));
    }

    [Fact]
    public void Public_sum_agrees_with_the_reference_on_both_sides_of_the_vector_threshold()
    {
        var random = new Random(768);
        byte[] data = new byte[4 * InternetChecksum.VectorThreshold];
        random.NextBytes(data);

        for (int length = 0; length <= data.Length - 1; length++)
            Assert.Equal(ChecksumReference.Sum(data.AsSpan(1, length)), InternetChecksum.Sum(data.AsSpan(1, length)));
    }

    private static void AssertSameSum(ReadOnlySpan<byte> data, ChecksumPath path)
    {
        uint expected = ChecksumReference.Sum(data);
        Assert.Equal(expected, InternetChecksum.SumScalar(data));
        uint actual = InternetChecksum.Sum(data, path);
        if (actual != expected)
            Assert.Fail($"{path}: length {data.Length}: expected 0x{expected:x4}, got 0x{actual:x4}");
    }

    private static void SkipUnlessAccelerated(ChecksumPath path)
    {
        if (!InternetChecksum.IsAccelerated(path))
            Assert.Skip($"{path} is not hardware accelerated on this machine");
    }
}
