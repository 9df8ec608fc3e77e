using System.Buffers.Binary;
using FastPath.TestKit;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Checksums;

public sealed class InternetChecksumTests
{
    // The IPv4 header of tests/corpus/vectors/tftp-rrq.hex; its checksum field (offset 10) is 0x25ec.
    private static readonly byte[] Ipv4Header = Convert.FromHexString("4500005393250000801125ecc0a80037c0a80001");

    private const int UdpOffset = 34;
    private const int UdpLength = 63;
    private const int UdpChecksumOffset = 6;
    private static readonly Ipv4Address TftpSource = new(192, 168, 0, 55);
    private static readonly Ipv4Address TftpDestination = new(192, 168, 0, 1);

    [Fact]
    public void Ipv4_header_checksum_matches_the_capture()
    {
        byte[] header = (byte[])Ipv4Header.Clone();
        header[10] = 0;
        header[11] = 0;

        Assert.Equal(0x25ec, InternetChecksum.Compute(header));
        Assert.True(InternetChecksum.IsValid(Ipv4Header));
    }

    [Fact]
    public void Ipv4_header_with_one_flipped_bit_is_invalid()
    {
        byte[] header = (byte[])Ipv4Header.Clone();
        header[8] ^= 0x01; // TTL 128 -> 129

        Assert.False(InternetChecksum.IsValid(header));
    }

    [Fact]
    public void Rfc1071_section3_example_sums_to_ddf2()
    {
        byte[] data = Convert.FromHexString("0001f203f4f5f6f7");

        Assert.Equal(0xddf2u, InternetChecksum.Sum(data));
        Assert.Equal((ushort)0x220d, InternetChecksum.Compute(data));
    }

    [Theory]
    [InlineData("ab", 0xab00u)]
    [InlineData("010203", 0x0402u)]
    [InlineData("0001f203f4f5f6f7aa", 0x87f3u)] // 0xddf2 + 0xaa00 = 0x187f2, end-around carry
    public void Odd_length_pads_the_last_byte_with_zero(string hex, uint expected)
    {
        Assert.Equal(expected, InternetChecksum.Sum(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Empty_data_sums_to_the_initial_value()
    {
        Assert.Equal(0u, InternetChecksum.Sum([]));
        Assert.Equal(0x1234u, InternetChecksum.Sum([], 0x1234));
        Assert.Equal((ushort)0xFFFF, InternetChecksum.Compute([]));
    }

    [Fact]
    public void All_ones_words_are_negative_zero()
    {
        byte[] ones = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

        Assert.Equal(0xFFFFu, InternetChecksum.Sum(ones));
        Assert.Equal((ushort)0, InternetChecksum.Compute(ones));
        Assert.True(InternetChecksum.IsValid(ones));
    }

    [Fact]
    public void Tftp_udp_checksum_over_the_pseudo_header_is_ac40()
    {
        byte[] frame = RepoPaths.ReadHex("vectors/tftp-rrq.hex");
        byte[] segment = frame.AsSpan(UdpOffset, UdpLength).ToArray();
        Assert.Equal(0xac40, BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(UdpChecksumOffset)));
        Assert.True(InternetChecksum.IsValidWithPseudoHeader(TftpSource, TftpDestination, IpProtocol.Udp, segment));

        segment[UdpChecksumOffset] = 0;
        segment[UdpChecksumOffset + 1] = 0;

        Assert.Equal(0xac40, InternetChecksum.ComputeWithPseudoHeader(TftpSource, TftpDestination, IpProtocol.Udp, segment));
    }

    [Fact]
    public void Tftp_udp_segment_fails_validation_under_the_wrong_pseudo_header_or_a_changed_byte()
    {
        byte[] frame = RepoPaths.ReadHex("vectors/tftp-rrq.hex");
        byte[] segment = frame.AsSpan(UdpOffset, UdpLength).ToArray();

        Assert.False(InternetChecksum.IsValidWithPseudoHeader(TftpDestination, new Ipv4Address(192, 168, 0, 2), IpProtocol.Udp, segment));
        Assert.False(InternetChecksum.IsValidWithPseudoHeader(TftpSource, TftpDestination, IpProtocol.Tcp, segment));
        segment[^1] ^= 0x40;
        Assert.False(InternetChecksum.IsValidWithPseudoHeader(TftpSource, TftpDestination, IpProtocol.Udp, segment));
    }

    [Fact]
    public void Pseudo_header_sum_adds_addresses_protocol_and_length_as_words()
    {
        // c0a8 + 0037 + c0a8 + 0001 + 0011 + 003f = 0x181d8 -> 0x81d9
        Assert.Equal(0x81d9u, InternetChecksum.PseudoHeaderSum(TftpSource, TftpDestination, IpProtocol.Udp, UdpLength));
    }

    [Fact]
    public void Update_of_one_word_equals_a_full_recompute()
    {
        var random = new Random(1624);
        byte[] data = new byte[1500];
        for (int n = 0; n < 2000; n++)
        {
            random.NextBytes(data);
            ushort before = InternetChecksum.Compute(data);
            int at = 2 * random.Next(data.Length / 2);
            ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(at));
            ushort newWord = (ushort)random.Next(0x10000);
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(at), newWord);

            Assert.Equal(InternetChecksum.Compute(data), InternetChecksum.Update(before, oldWord, newWord));
        }
    }

    [Fact]
    public void Update_of_a_32_bit_field_equals_a_full_recompute()
    {
        var random = new Random(1625);
        byte[] header = (byte[])Ipv4Header.Clone();
        header[10] = 0;
        header[11] = 0;
        for (int n = 0; n < 2000; n++)
        {
            random.NextBytes(header.AsSpan(12, 8));
            ushort before = InternetChecksum.Compute(header);
            int at = random.Next(2) == 0 ? 12 : 16; // source or destination address
            uint oldValue = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(at));
            uint newValue = (uint)random.NextInt64(0x1_0000_0000);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(at), newValue);

            Assert.Equal(InternetChecksum.Compute(header), InternetChecksum.Update(before, oldValue, newValue));
        }
    }

    [Fact]
    public void Update_follows_rfc1624_equation_3_in_the_section_4_example()
    {
        // RFC 1624 section 4: the other words sum to 0xCD7A and m = 0x5555 becomes m' = 0x3285. A recompute
        // gives ~(0xCD7A + 0x3285) = ~0xFFFF = 0x0000; equation 2 (HC - ~m - m') would give 0xFFFF.
        byte[] before = Convert.FromHexString("cd7a5555");
        byte[] after = Convert.FromHexString("cd7a3285");
        ushort checksum = InternetChecksum.Compute(before);
        Assert.Equal(0xDD2F, checksum);

        ushort updated = InternetChecksum.Update(checksum, (ushort)0x5555, (ushort)0x3285);

        Assert.Equal(0x0000, updated);
        Assert.Equal(InternetChecksum.Compute(after), updated);
    }

    [Fact]
    public void Update_of_a_field_that_does_not_change_keeps_the_checksum()
    {
        Assert.Equal(0x25ec, InternetChecksum.Update((ushort)0x25ec, (ushort)0x8011, (ushort)0x8011));
        Assert.Equal(0x25ec, InternetChecksum.Update((ushort)0x25ec, 0xc0a80037u, 0xc0a80037u));
    }

    [Fact]
    public void Add_and_finish_over_even_pieces_equal_one_sum()
    {
        var random = new Random(1072);
        byte[] data = new byte[3000];
        random.NextBytes(data);
        for (int n = 0; n < 200; n++)
        {
            int length = random.Next(data.Length + 1);
            ReadOnlySpan<byte> whole = data.AsSpan(0, length);
            uint chained = 0;
            int at = 0;
            while (at < length)
            {
                int piece = Math.Min(length - at, 2 * random.Next(1, 400)); // even, except possibly the last
                chained = InternetChecksum.Add(chained, InternetChecksum.Sum(whole.Slice(at, piece)));
                at += piece;
            }

            Assert.Equal(InternetChecksum.Sum(whole), chained);
            Assert.Equal(InternetChecksum.Compute(whole), InternetChecksum.Finish(chained));
        }
    }

    [Fact]
    public void Sum_with_an_initial_value_chains_like_add()
    {
        byte[] data = Convert.FromHexString("0001f203f4f5f6f7");

        Assert.Equal(InternetChecksum.Add(0xddf2, 0x8000), InternetChecksum.Sum(data, 0x8000));
        Assert.Equal(0x5df3u, InternetChecksum.Sum(data, 0x8000)); // 0xddf2 + 0x8000 = 0x15df2, end-around carry
    }
}
