using FastPath.Engine.Pcap;
using FastPath.TestKit;

namespace FastPath.Engine.Tests.Pcap;

public class PcapReaderTests
{
    [Fact]
    public void Reads_the_seed_capture()
    {
        using var reader = PcapReader.Open(RepoPaths.Corpus("vectors/seed-frames.pcap"));
        Assert.Equal(PcapTimestampResolution.Microseconds, reader.Resolution);
        Assert.Equal(PcapLinkType.Ethernet, reader.LinkType);
        Assert.Equal(65535, reader.SnapLength);
        string[] fixtures = ["vectors/arp-request.hex", "vectors/arp-reply.hex", "vectors/tftp-rrq.hex"];
        int[] lengths = [60, 60, 97];
        for (int i = 0; i < 3; i++)
        {
            Assert.True(reader.TryReadNext(out PcapRecord record));
            Assert.Equal(lengths[i], record.CapturedLength);
            Assert.Equal(lengths[i], record.OriginalLength);
            Assert.Equal(new PcapTimestamp(1000 + i, 0), record.Timestamp);
            Assert.Equal(RepoPaths.ReadHex(fixtures[i]), record.Data.ToArray());
        }
        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.Truncated);
    }

    // Two records written by hand in big-endian order. The first one's fraction, 1 000 000, is a whole second
    // at microsecond resolution (some writers do that; the reader carries it) and 1 ms at nanosecond resolution.
    [Theory]
    [InlineData("a1b2c3d4", PcapTimestampResolution.Microseconds, 0x65a0bc01, 0u, 7000u)]
    [InlineData("a1b23c4d", PcapTimestampResolution.Nanoseconds, 0x65a0bc00, 1_000_000u, 7u)]
    public void Reads_big_endian_files(string magic, PcapTimestampResolution resolution, long seconds, uint nanoseconds, uint secondRecordNanoseconds)
    {
        byte[] file = Convert.FromHexString(
            magic + "0002" + "0004" + "00000000" + "00000000" + "0000ffff" + "00000001" +
            "65a0bc00" + "000f4240" + "00000003" + "00000040" + "aabbcc" +
            "65a0bc01" + "00000007" + "00000001" + "00000001" + "dd");
        using var reader = new PcapReader(new MemoryStream(file), "be.pcap");
        Assert.True(reader.IsBigEndian);
        Assert.Equal(resolution, reader.Resolution);
        Assert.Equal((2, 4), (reader.VersionMajor, reader.VersionMinor));
        Assert.Equal(65535, reader.SnapLength);
        Assert.Equal(PcapLinkType.Ethernet, reader.LinkType);

        Assert.True(reader.TryReadNext(out PcapRecord first));
        Assert.Equal(new byte[] { 0xaa, 0xbb, 0xcc }, first.Data.ToArray());
        Assert.Equal(3, first.CapturedLength);
        Assert.Equal(64, first.OriginalLength);
        Assert.Equal(new PcapTimestamp(seconds, nanoseconds), first.Timestamp);

        Assert.True(reader.TryReadNext(out PcapRecord second));
        Assert.Equal(new byte[] { 0xdd }, second.Data.ToArray());
        Assert.Equal(new PcapTimestamp(0x65a0bc01, secondRecordNanoseconds), second.Timestamp);
        Assert.False(reader.TryReadNext(out _));
        Assert.False(reader.Truncated);
    }

    [Fact]
    public void A_text_file_is_not_pcap()
    {
        var error = Assert.Throws<InvalidDataException>(() => new PcapReader(new MemoryStream("hello, not a capture\n"u8.ToArray()), "notes.txt"));
        Assert.Equal("notes.txt is not a pcap file (magic 0x68656c6c)", error.Message);
    }

    [Fact]
    public void A_file_named_on_open_is_named_in_the_error()
    {
        using var file = new TempFile("notes.txt");
        File.WriteAllText(file.Path, "GET / HTTP/1.1\r\n\r\n");
        var error = Assert.Throws<InvalidDataException>(() => PcapReader.Open(file.Path));
        Assert.Equal($"{file.Path} is not a pcap file (magic 0x47455420)", error.Message);
    }

    [Fact]
    public void An_empty_file_is_not_pcap()
    {
        var error = Assert.Throws<InvalidDataException>(() => new PcapReader(new MemoryStream(), "empty.pcap"));
        Assert.Equal("empty.pcap is not a pcap file (0 bytes, shorter than the 24-byte pcap header)", error.Message);
    }

    [Fact]
    public void A_pcapng_file_is_named_as_such()
    {
        byte[] sectionHeader = Convert.FromHexString("0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000");
        var error = Assert.Throws<InvalidDataException>(() => new PcapReader(new MemoryStream(sectionHeader), "x.pcapng"));
        Assert.Contains("x.pcapng is a pcapng file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_cut_short_is_reported()
    {
        var error = Assert.Throws<InvalidDataException>(() => new PcapReader(new MemoryStream(Convert.FromHexString("d4c3b2a102000400")), "short.pcap"));
        Assert.Equal("short.pcap is not a pcap file: it ends after 8 bytes, inside the 24-byte global header", error.Message);
    }

    [Fact]
    public void An_unknown_major_version_is_refused()
    {
        byte[] header = Convert.FromHexString("d4c3b2a1" + "0300" + "0000" + "00000000" + "00000000" + "ffff0000" + "01000000");
        var error = Assert.Throws<InvalidDataException>(() => new PcapReader(new MemoryStream(header), "v3.pcap"));
        Assert.Contains("version 3.0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10)] // inside the second record's data
    [InlineData(60)] // the second record's header is whole, its data gone
    [InlineData(70)] // the second record's header is cut
    public void A_file_cut_inside_its_last_record_ends_there_and_says_so(int bytesCut)
    {
        byte[] file = TwoRecords();
        using var reader = new PcapReader(new MemoryStream(file[..^bytesCut]));
        Assert.True(reader.TryReadNext(out PcapRecord first));
        Assert.Equal(60, first.CapturedLength);
        Assert.False(reader.Truncated);
        Assert.False(reader.TryReadNext(out _));
        Assert.True(reader.Truncated);
        Assert.True(reader.IsAtEnd);
        Assert.Equal(1, reader.RecordsRead);
        Assert.False(reader.TryReadNext(out _));
    }

    [Fact]
    public void A_file_cut_inside_a_record_read_into_a_caller_buffer_is_truncated_too()
    {
        byte[] file = TwoRecords();
        using var reader = new PcapReader(new MemoryStream(file[..^1]));
        var room = new byte[2048];
        Assert.True(reader.TryReadNext(room, out _));
        Assert.False(reader.TryReadNext(room, out _));
        Assert.True(reader.Truncated);
    }

    [Fact]
    public void A_record_longer_than_256_KiB_is_corruption_with_its_number()
    {
        byte[] file = TwoRecords();
        // Second record's incl_len (at 24 + 16 + 60 + 8) becomes 300 000 (0x000493e0), with a snap length of 0 (unset).
        file[16] = file[17] = file[18] = file[19] = 0;
        file[108] = 0xe0; file[109] = 0x93; file[110] = 0x04; file[111] = 0x00;
        using var reader = new PcapReader(new MemoryStream(file), "big.pcap");
        Assert.True(reader.TryReadNext(out _));
        var error = Assert.Throws<InvalidDataException>(() => reader.TryReadNext(out _));
        Assert.Equal("big.pcap: record 2 claims 300000 captured bytes, more than 262144: the file is corrupt", error.Message);
    }

    [Fact]
    public void A_record_longer_than_the_snap_length_is_corruption_with_its_number()
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, snapLength: 64, leaveOpen: true))
            writer.Write(new byte[60], new PcapTimestamp(1, 0));
        byte[] file = stream.ToArray();
        file[32] = 65; // incl_len of record 1
        using var reader = new PcapReader(new MemoryStream(file), "cut.pcap");
        var error = Assert.Throws<InvalidDataException>(() => reader.TryReadNext(new byte[100], out _));
        Assert.Equal("cut.pcap: record 1 claims 65 captured bytes, more than the file's snap length 64: the file is corrupt", error.Message);
    }

    private static byte[] TwoRecords()
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, leaveOpen: true))
        {
            writer.Write(new byte[60], new PcapTimestamp(1, 0));
            writer.Write(new byte[60], new PcapTimestamp(2, 0));
        }
        return stream.ToArray();
    }
}
