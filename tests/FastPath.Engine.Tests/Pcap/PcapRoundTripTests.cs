using FastPath.Engine.Pcap;
using FastPath.TestKit;

namespace FastPath.Engine.Tests.Pcap;

public class PcapRoundTripTests
{
    private static readonly byte[] ArpRequest = RepoPaths.ReadHex("vectors/arp-request.hex");

    [Fact]
    public void Global_header_is_classic_pcap_2_4_little_endian()
    {
        using var stream = new MemoryStream();
        using (new PcapWriter(stream, leaveOpen: true))
        {
        }
        Assert.Equal(Convert.FromHexString("d4c3b2a1" + "0200" + "0400" + "00000000" + "00000000" + "00000400" + "01000000"), stream.ToArray());
    }

    [Fact]
    public void Nanosecond_files_carry_the_nanosecond_magic()
    {
        using var stream = new MemoryStream();
        using (new PcapWriter(stream, PcapTimestampResolution.Nanoseconds, leaveOpen: true))
        {
        }
        Assert.Equal(Convert.FromHexString("4d3cb2a1"), stream.ToArray()[..4]);
    }

    [Fact]
    public void Record_header_holds_seconds_fraction_and_both_lengths()
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, leaveOpen: true))
            writer.Write(ArpRequest, new PcapTimestamp(0x5f5e1000, 123_456_789), originalLength: 1514);
        byte[] file = stream.ToArray();
        // 0x5f5e1000 s, 123456 us, incl 60, orig 1514, all little-endian.
        Assert.Equal(Convert.FromHexString("00105e5f" + "40e20100" + "3c000000" + "ea050000"), file[24..40]);
        Assert.Equal(ArpRequest, file[40..]);
    }

    [Theory]
    [InlineData(PcapTimestampResolution.Microseconds, 123_456_000u)]
    [InlineData(PcapTimestampResolution.Nanoseconds, 123_456_789u)]
    public void What_is_written_reads_back(PcapTimestampResolution resolution, uint expectedNanoseconds)
    {
        byte[][] frames = [ArpRequest, new byte[1514], [0xab]];
        new Random(7).NextBytes(frames[1]);
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, resolution, leaveOpen: true))
        {
            for (int i = 0; i < frames.Length; i++) writer.Write(frames[i], new PcapTimestamp(1_700_000_000 + i, 123_456_789));
            Assert.Equal(3, writer.RecordCount);
        }

        stream.Position = 0;
        using var reader = new PcapReader(stream);
        Assert.Equal(resolution, reader.Resolution);
        Assert.False(reader.IsBigEndian);
        Assert.Equal((2, 4), (reader.VersionMajor, reader.VersionMinor));
        Assert.Equal(262144, reader.SnapLength);
        Assert.Equal(PcapLinkType.Ethernet, reader.LinkType);
        for (int i = 0; i < frames.Length; i++)
        {
            Assert.True(reader.TryReadNext(out PcapRecord record));
            Assert.Equal(i + 1, record.Number);
            Assert.Equal(frames[i], record.Data.ToArray());
            Assert.Equal(frames[i].Length, record.CapturedLength);
            Assert.Equal(frames[i].Length, record.OriginalLength);
            Assert.Equal(new PcapTimestamp(1_700_000_000 + i, expectedNanoseconds), record.Timestamp);
        }
        Assert.False(reader.TryReadNext(out _));
        Assert.True(reader.IsAtEnd);
        Assert.False(reader.Truncated);
        Assert.Equal(3, reader.RecordsRead);
    }

    [Fact]
    public void Snap_length_cuts_records_and_keeps_the_original_length()
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, snapLength: 64, leaveOpen: true))
            writer.Write(new byte[100], new PcapTimestamp(1, 0));
        stream.Position = 0;
        using var reader = new PcapReader(stream);
        Assert.Equal(64, reader.SnapLength);
        Assert.True(reader.TryReadNext(out PcapRecord record));
        Assert.Equal(64, record.CapturedLength);
        Assert.Equal(100, record.OriginalLength);
        Assert.True(record.Header.IsCutShort);
    }

    [Fact]
    public void Records_larger_than_the_staging_buffer_are_written_whole()
    {
        var big = new byte[200_000];
        new Random(3).NextBytes(big);
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, leaveOpen: true))
        {
            writer.Write(ArpRequest, new PcapTimestamp(1, 0));
            writer.Write(big, new PcapTimestamp(2, 0));
            writer.Write(ArpRequest, new PcapTimestamp(3, 0));
        }
        stream.Position = 0;
        using var reader = new PcapReader(stream);
        Assert.True(reader.TryReadNext(out PcapRecord first));
        Assert.Equal(ArpRequest, first.Data.ToArray());
        Assert.True(reader.TryReadNext(out PcapRecord second));
        Assert.Equal(big, second.Data.ToArray());
        Assert.True(reader.TryReadNext(out PcapRecord third));
        Assert.Equal(3, third.Timestamp.Seconds);
    }

    [Fact]
    public void Reading_into_a_short_buffer_copies_the_prefix_and_skips_the_rest()
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, leaveOpen: true))
        {
            writer.Write(ArpRequest, new PcapTimestamp(1, 0));
            writer.Write([1, 2, 3], new PcapTimestamp(2, 0));
        }
        stream.Position = 0;
        using var reader = new PcapReader(stream);
        Span<byte> room = stackalloc byte[16];
        Assert.True(reader.TryReadNext(room, out PcapRecordHeader header));
        Assert.Equal(60, header.CapturedLength);
        Assert.Equal(ArpRequest[..16], room.ToArray());
        Assert.True(reader.TryReadNext(room, out header));
        Assert.Equal(3, header.CapturedLength);
        Assert.Equal(new byte[] { 1, 2, 3 }, room[..3].ToArray());
        Assert.False(reader.TryReadNext(room, out _));
        Assert.False(reader.Truncated);
    }

    [Fact]
    public void Writing_allocates_nothing_per_record()
    {
        using var writer = new PcapWriter(Stream.Null);
        var timestamp = new PcapTimestamp(1, 0);
        for (int i = 0; i < 100; i++) writer.Write(ArpRequest, timestamp);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) writer.Write(ArpRequest, timestamp);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Reading_allocates_nothing_per_record()
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, leaveOpen: true))
        {
            for (int i = 0; i < 10_100; i++) writer.Write(ArpRequest, new PcapTimestamp(i, 0));
        }
        stream.Position = 0;
        using var reader = new PcapReader(stream);
        for (int i = 0; i < 100; i++) Assert.True(reader.TryReadNext(out _));
        long before = GC.GetAllocatedBytesForCurrentThread();
        int count = 0;
        while (reader.TryReadNext(out PcapRecord record)) count += record.Data.Length > 0 ? 1 : 0;
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10_000, count);
    }

    [Fact]
    public void Timestamps_convert_to_and_from_unix_time()
    {
        var timestamp = PcapTimestamp.FromDateTimeOffset(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234567));
        Assert.Equal(1714979289, timestamp.Seconds);
        Assert.Equal(123_456_700u, timestamp.Nanoseconds);
        Assert.Equal(123_456u, timestamp.Microseconds);
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234567), timestamp.ToDateTimeOffset());
        Assert.Equal(new PcapTimestamp(-1, 999_999_999), PcapTimestamp.FromUnixNanoseconds(-1));
        Assert.Equal(1_714_979_289_123_456_700, timestamp.UnixNanoseconds);
    }
}
