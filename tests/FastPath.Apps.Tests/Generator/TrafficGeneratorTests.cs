using FastPath.Apps.Generator;
using FastPath.Apps.Sink;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.TestKit;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;

namespace FastPath.Apps.Tests.Generator;

/// <summary>The generator and the sink over an in-memory wire: exact counts, valid frames, no allocation per packet.</summary>
public sealed class TrafficGeneratorTests
{
    private static readonly StreamSpec Stream = new(TestFrames.HostA, TestFrames.HostB, TestFrames.IpA, TestFrames.IpB, 4000, 5000);

    [Theory]
    [InlineData(1, 60)]
    [InlineData(64, 60)]
    [InlineData(100_003, 60)]
    [InlineData(5_000, 1514)]
    public void Sends_exactly_count_frames_each_with_valid_checksums(long count, int frameSize)
    {
        var (a, b) = MemoryPort.CreatePair();
        using (a)
        using (b)
        {
            StreamSpec stream = Stream with { Sizes = FrameSizes.Fixed(frameSize) };
            GeneratorResult sent = default;
            var sender = new Thread(() => sent = TrafficGenerator.Run(a, stream, count, null, CancellationToken.None));
            sender.Start();

            long received = 0;
            var burst = new Packet[64];
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((sender.IsAlive || received < count) && DateTime.UtcNow < deadline)
            {
                int n = b.Receive(burst);
                foreach (Packet packet in burst.AsSpan(0, n))
                {
                    AssertValidUdp(b.Pool.Region.GetSpan(packet), stream);
                    received++;
                }
                b.Pool.Free(burst.AsSpan(0, n));
                if (n == 0 && !sender.IsAlive) break;
            }
            sender.Join();

            Assert.Equal(count, sent.Packets);
            Assert.Equal(count * frameSize, sent.Bytes);
            Assert.Equal(count, received);
            Assert.Equal(0, a.Pool.InUse);
        }
    }

    [Fact]
    public void Stops_when_cancelled_and_reports_what_it_sent()
    {
        var (a, b) = MemoryPort.CreatePair();
        using (a)
        using (b)
        {
            using var stop = new CancellationTokenSource();
            var sink = new Thread(() => PacketSink.Run(b, 0, TimeSpan.FromSeconds(30), stop.Token));
            sink.Start();
            stop.CancelAfter(TimeSpan.FromMilliseconds(200));
            GeneratorResult result = TrafficGenerator.Run(a, Stream, 0, null, stop.Token);
            sink.Join();
            Assert.True(result.Packets > 0);
            Assert.Equal(result.Packets, result.Port.TxPackets);
        }
    }

    [Fact]
    public void Allocation_does_not_grow_with_the_packet_count()
    {
        AllocatedBytesToSend(1_000); // one-time costs, outside the comparison
        long small = AllocatedBytesToSend(1_000);
        long large = AllocatedBytesToSend(200_000);
        // Setup (the burst array, the stamp list) is the same for both; a per-packet allocation of even 8 bytes would
        // add 1.6 MB. The bound leaves room for the runtime's own occasional allocations in a longer run (a few KB
        // seen under load: tiering, thread-pool bookkeeping), which are not per packet.
        Assert.InRange(large - small, -65536, 65536);
    }

    [Fact]
    public void Paced_streams_with_flows_sizes_and_measuring_allocate_nothing_per_packet()
    {
        StreamSpec[] streams =
        [
            Stream with
            {
                Id = 1,
                Sizes = FrameSizes.Imix,
                Flows = 100,
                SourceIps = new Ipv4Range(TestFrames.IpA, Ipv4Address.Parse("10.0.0.50")),
                RandomOrder = true,
                Rate = TransmitRate.PacketsPerSecond(4e6),
            },
            Stream with { Id = 2, Protocol = StreamProtocol.Icmp, Rate = TransmitRate.BitsPerSecond(1e9) },
        ];
        long AllocatedFor(long count)
        {
            var (a, b) = MemoryPort.CreatePair();
            using (a)
            using (b)
            {
                long sinkAllocated = 0;
                var sink = new Thread(() =>
                {
                    long start = GC.GetAllocatedBytesForCurrentThread();
                    PacketSink.Run(b, count, TimeSpan.FromSeconds(60), CancellationToken.None);
                    sinkAllocated = GC.GetAllocatedBytesForCurrentThread() - start;
                });
                sink.Start();
                var settings = new GeneratorSettings { Count = count, Measure = true, MeasureLinger = TimeSpan.FromMilliseconds(1) };
                long before = GC.GetAllocatedBytesForCurrentThread();
                TrafficGenerator.Run(a, streams, settings, CancellationToken.None);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                sink.Join();
                return allocated + sinkAllocated;
            }
        }
        // A first run pays the one-time costs (static initialisers, lazily built tables) outside the comparison.
        AllocatedFor(2_000);
        long small = AllocatedFor(2_000);
        long large = AllocatedFor(200_000);
        // Setup (templates, windows, histograms) is the same for both; 8 bytes a packet would add 1.6 MB.
        // As above: 1.6 MB for 8 bytes a packet; a few KB of the runtime's own in a longer run are not per packet.
        Assert.InRange(large - small, -65536, 65536);
    }

    [Fact]
    public void A_frame_larger_than_the_mtu_is_refused_with_a_reason()
    {
        var (a, b) = MemoryPort.CreatePair();
        using (a)
        using (b)
        {
            var error = Assert.Throws<ArgumentException>(() => TrafficGenerator.Run(a, Stream with { Sizes = FrameSizes.Fixed(9000) }, 1, null, CancellationToken.None));
            Assert.Contains("exceeds the interface's largest frame", error.Message, StringComparison.Ordinal);
            Assert.NotNull((Stream with { Sizes = FrameSizes.Fixed(59) }).FindProblem(1500));
            Assert.Null((Stream with { Sizes = FrameSizes.Fixed(1514) }).FindProblem(1500));
        }
    }

    [Fact]
    public void Sink_counts_every_frame_and_its_bytes()
    {
        var (a, b) = MemoryPort.CreatePair();
        using (a)
        using (b)
        {
            SinkResult result = default;
            var sink = new Thread(() => result = PacketSink.Run(b, 3000, TimeSpan.FromSeconds(30), CancellationToken.None));
            sink.Start();
            TrafficGenerator.Run(a, Stream with { Sizes = FrameSizes.Fixed(100) }, 3000, null, CancellationToken.None);
            sink.Join();
            Assert.Equal(3000, result.Packets);
            Assert.Equal(300_000, result.Bytes);
            Assert.Equal(3000, result.Port.RxPackets);
            Assert.Equal(0, b.Pool.InUse);
        }
    }

    private static long AllocatedBytesToSend(long count)
    {
        var (a, b) = MemoryPort.CreatePair();
        using (a)
        using (b)
        {
            var sink = new Thread(() => PacketSink.Run(b, count, TimeSpan.FromSeconds(60), CancellationToken.None));
            sink.Start();
            long before = GC.GetAllocatedBytesForCurrentThread();
            TrafficGenerator.Run(a, Stream, count, null, CancellationToken.None);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            sink.Join();
            return allocated;
        }
    }

    private static void AssertValidUdp(Span<byte> frame, StreamSpec stream)
    {
        Assert.Equal(stream.Sizes.Largest, frame.Length);
        Assert.True(EthernetFrame.TryParse(frame, out EthernetFrame ethernet));
        Assert.Equal(stream.DestinationMac, ethernet.Destination);
        Assert.True(Ipv4Packet.TryParse(ethernet.Payload, out Ipv4Packet ip));
        Assert.True(ip.VerifyChecksum());
        Assert.True(Ipv4Repr.TryParse(ip, out Ipv4Repr ipRepr));
        Assert.Equal(stream.SourceIps.First, ipRepr.Source);
        Assert.True(UdpPacket.TryParse(ip.Payload, out UdpPacket udp));
        Assert.True(InternetChecksum.IsValidWithPseudoHeader(ipRepr.Source, ipRepr.Destination, IpProtocol.Udp, ip.Payload));
        Assert.Equal(stream.DestinationPort, udp.DestinationPort);
    }
}
