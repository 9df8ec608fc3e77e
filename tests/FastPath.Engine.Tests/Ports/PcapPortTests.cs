using FastPath.Engine.Memory;
using FastPath.Engine.Pcap;
using FastPath.Engine.Ports;
using FastPath.Engine.Tests.Pcap;
using FastPath.TestKit;

namespace FastPath.Engine.Tests.Ports;

public class PcapPortTests
{
    [Fact]
    public void The_writer_port_saves_every_transmitted_frame_and_frees_it()
    {
        using var file = new TempFile();
        var port = PcapWriterPort.Create(file.Path, frameCount: 64);
        using (port)
        {
            Packet[] burst = [TestFrames.Allocate(port.Pool, 1, 60), TestFrames.Allocate(port.Pool, 2, 1514), TestFrames.Allocate(port.Pool, 3, 97)];
            Assert.Equal(3, port.Transmit(burst));
            Assert.Equal(0, port.Pool.InUse);
            Assert.Equal(0, port.Receive(new Packet[4]));
            Assert.Equal((3, 60 + 1514 + 97), (port.Stats.TxPackets, port.Stats.TxBytes));
            Assert.Equal("pcap", port.Info.Driver);
        }

        using var reader = PcapReader.Open(file.Path);
        foreach ((int sequence, int length) in new[] { (1, 60), (2, 1514), (3, 97) })
        {
            Assert.True(reader.TryReadNext(out PcapRecord record));
            Assert.Equal(TestFrames.Expected(sequence, length), record.Data.ToArray());
            Assert.Equal(length, record.OriginalLength);
        }
        Assert.False(reader.TryReadNext(out _));
    }

    [Fact]
    public void The_reader_port_receives_the_seed_capture_then_reports_the_end()
    {
        using var port = PcapReaderPort.Open(RepoPaths.Corpus("vectors/seed-frames.pcap"), frameCount: 16);
        var packets = new Packet[8];
        Assert.Equal(3, port.Receive(packets));
        Assert.Equal(RepoPaths.ReadHex("vectors/arp-request.hex"), port.Pool.Region.GetSpan(packets[0]).ToArray());
        Assert.Equal(RepoPaths.ReadHex("vectors/arp-reply.hex"), port.Pool.Region.GetSpan(packets[1]).ToArray());
        Assert.Equal(RepoPaths.ReadHex("vectors/tftp-rrq.hex"), port.Pool.Region.GetSpan(packets[2]).ToArray());
        Assert.True(port.IsAtEnd);
        Assert.Equal(0, port.Receive(packets));
        port.Pool.Free(packets.AsSpan(0, 3));
        Assert.Equal(0, port.Pool.InUse);
        Assert.Equal((3, 60 + 60 + 97), (port.Stats.RxPackets, port.Stats.RxBytes));
        Assert.Equal(0, port.Stats.RxInvalid);
    }

    [Fact]
    public void The_reader_port_reads_in_bursts_and_waits_when_its_pool_is_empty()
    {
        using var file = new TempFile();
        WriteNumbered(file.Path, 10, length: 60);
        using var port = PcapReaderPort.Open(file.Path, frameCount: 4);
        var packets = new Packet[8];
        Assert.Equal(4, port.Receive(packets));
        Assert.Equal(1, port.Stats.FillRingEmpty);
        Assert.False(port.IsAtEnd);
        port.Pool.Free(packets.AsSpan(0, 4));
        var sequences = new List<int>();
        int n;
        while ((n = port.Receive(packets.AsSpan(0, 3))) > 0)
        {
            foreach (Packet packet in packets.AsSpan(0, n)) sequences.Add(TestFrames.SequenceOf(port.Pool, packet));
            port.Pool.Free(packets.AsSpan(0, n));
        }
        Assert.Equal(Enumerable.Range(4, 6), sequences);
        Assert.True(port.IsAtEnd);
        Assert.Equal(10, port.Stats.RxPackets);
    }

    [Fact]
    public void A_record_longer_than_a_frame_is_cut_to_the_frame_and_counted_invalid()
    {
        using var file = new TempFile();
        using (var writer = PcapWriter.Create(file.Path))
        {
            var jumbo = new byte[4000];
            TestFrames.Fill(jumbo, 1);
            writer.Write(jumbo, new PcapTimestamp(1, 0));
            writer.Write(TestFrames.Expected(2, 60), new PcapTimestamp(2, 0));
        }
        using var port = PcapReaderPort.Open(file.Path, frameCount: 8);
        var packets = new Packet[4];
        Assert.Equal(2, port.Receive(packets));
        int room = port.Pool.Region.FrameSize - port.Pool.Headroom;
        Assert.Equal(room, packets[0].Length);
        Assert.Equal(TestFrames.Expected(1, 4000)[..room], port.Pool.Region.GetSpan(packets[0]).ToArray());
        Assert.Equal(TestFrames.Expected(2, 60), port.Pool.Region.GetSpan(packets[1]).ToArray());
        Assert.Equal(1, port.Stats.RxInvalid);
        port.Pool.Free(packets.AsSpan(0, 2));
    }

    [Fact]
    public void A_capture_cut_inside_its_last_record_counts_it_invalid_once()
    {
        using var file = new TempFile();
        WriteNumbered(file.Path, 3, length: 60);
        byte[] bytes = File.ReadAllBytes(file.Path);
        File.WriteAllBytes(file.Path, bytes[..^20]);
        using var port = PcapReaderPort.Open(file.Path, frameCount: 8);
        var packets = new Packet[8];
        Assert.Equal(2, port.Receive(packets));
        Assert.Equal(0, port.Receive(packets));
        Assert.True(port.IsAtEnd);
        Assert.True(port.Reader.Truncated);
        Assert.Equal(1, port.Stats.RxInvalid);
        port.Pool.Free(packets.AsSpan(0, 2));
        Assert.Equal(0, port.Pool.InUse);
    }

    [Fact]
    public void Transmitting_on_a_reader_port_drops_and_counts()
    {
        using var port = PcapReaderPort.Open(RepoPaths.Corpus("vectors/seed-frames.pcap"), frameCount: 8);
        Assert.Equal(1, port.Transmit([TestFrames.Allocate(port.Pool, 1)]));
        Assert.Equal(1, port.Stats.TxDropped);
        Assert.Equal(0, port.Pool.InUse);
    }

    [Fact]
    public void The_reader_port_names_a_file_that_is_not_pcap()
    {
        using var file = new TempFile("frames.txt");
        File.WriteAllText(file.Path, "not a capture");
        var error = Assert.Throws<InvalidDataException>(() => PcapReaderPort.Open(file.Path));
        Assert.StartsWith($"{file.Path} is not a pcap file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_tap_records_both_directions_and_passes_everything_on()
    {
        using var file = new TempFile();
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64 });
        using (var tap = new PcapTapPort(a, PcapWriter.Create(file.Path)))
        using (b)
        {
            Assert.Same(a.Pool, tap.Pool);
            Assert.Equal(3, tap.Transmit([TestFrames.Allocate(a.Pool, 1), TestFrames.Allocate(a.Pool, 2), TestFrames.Allocate(a.Pool, 3)]));
            Assert.Equal([1, 2, 3], ReceiveSequences(b));
            Assert.Equal(2, b.Transmit([TestFrames.Allocate(b.Pool, 10), TestFrames.Allocate(b.Pool, 11)]));
            var received = new Packet[4];
            Assert.Equal(2, tap.Receive(received));
            Assert.Equal(10, TestFrames.SequenceOf(a.Pool, received[0]));
            a.Pool.Free(received.AsSpan(0, 2));
            Assert.Equal(a.Stats, tap.Stats);
        }
        Assert.Equal([1, 2, 3, 10, 11], ReadSequences(file.Path));
    }

    [Fact]
    public void The_tap_records_frames_as_handed_over_even_when_its_port_changes_them()
    {
        using var file = new TempFile();
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64 });
        // Under the tap, every frame is corrupted in place: the file must still hold what the caller sent.
        var faulty = new FaultInjectingPort(a, new FaultOptions { Seed = 1, CorruptRate = 1 });
        var onTheWire = new List<byte[]>();
        using (var tap = new PcapTapPort(faulty, PcapWriter.Create(file.Path), PortDirections.Transmit))
        using (b)
        {
            Assert.Equal(6, tap.Transmit([.. Enumerable.Range(0, 6).Select(i => TestFrames.Allocate(a.Pool, i))]));
            var received = new Packet[8];
            int n = b.Receive(received);
            foreach (Packet packet in received.AsSpan(0, n)) onTheWire.Add(b.Pool.Region.GetSpan(packet).ToArray());
            b.Pool.Free(received.AsSpan(0, n));
        }
        Assert.Equal(6, onTheWire.Count);
        using var reader = PcapReader.Open(file.Path);
        for (int i = 0; i < 6; i++)
        {
            Assert.True(reader.TryReadNext(out PcapRecord record));
            Assert.Equal(TestFrames.Expected(i, 64), record.Data.ToArray());
            Assert.Equal(1, TestFrames.BitDifference(record.Data, onTheWire[i]));
        }
        Assert.False(reader.TryReadNext(out _));
    }

    [Fact]
    public void The_tap_does_not_record_frames_its_port_refused_until_they_are_taken()
    {
        using var file = new TempFile();
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64, RingSize = 4 });
        using (var tap = new PcapTapPort(a, PcapWriter.Create(file.Path)))
        using (b)
        {
            Packet[] burst = [.. Enumerable.Range(0, 6).Select(i => TestFrames.Allocate(a.Pool, i))];
            Assert.Equal(4, tap.Transmit(burst));
            Assert.Equal([0, 1, 2, 3], ReceiveSequences(b));
            Assert.Equal(2, tap.Transmit(burst.AsSpan(4)));
            Assert.Equal([4, 5], ReceiveSequences(b));
        }
        Assert.Equal([0, 1, 2, 3, 4, 5], ReadSequences(file.Path));
    }

    private static void WriteNumbered(string path, int count, int length)
    {
        using var writer = PcapWriter.Create(path);
        for (int i = 0; i < count; i++) writer.Write(TestFrames.Expected(i, length), new PcapTimestamp(i, 0));
    }

    private static List<int> ReadSequences(string path)
    {
        var sequences = new List<int>();
        using var reader = PcapReader.Open(path);
        while (reader.TryReadNext(out PcapRecord record))
            sequences.Add(System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(record.Data[TestFrames.SequenceOffset..]));
        return sequences;
    }

    private static List<int> ReceiveSequences(MemoryPort port)
    {
        var sequences = new List<int>();
        var received = new Packet[16];
        int n;
        while ((n = port.Receive(received)) > 0)
        {
            foreach (Packet packet in received.AsSpan(0, n)) sequences.Add(TestFrames.SequenceOf(port.Pool, packet));
            port.Pool.Free(received.AsSpan(0, n));
        }
        return sequences;
    }
}
