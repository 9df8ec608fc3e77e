using FastPath.Apps.Generator;
using FastPath.Apps.Sink;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Sink;

/// <summary>
/// The generator sends numbered frames through a <see cref="FaultInjectingPort"/> (seeded loss, duplication,
/// reordering) over an in-memory wire to the sink: its per-stream counts must be exactly what the faults did,
/// as the fault port counts them, and, with every fault at once, exactly what a set-based count of the
/// arrivals (recorded on the way in) gives.
/// </summary>
public sealed class FaultInjectedSinkStatisticsTests
{
    private const int Frames = 20_000;
    private static readonly StreamSpec Stream = new(TestFrames.HostA, TestFrames.HostB, TestFrames.IpA, TestFrames.IpB, 4000, 5000) { Id = 11 };

    [Fact]
    public void Loss_is_counted_exactly()
    {
        (StreamReport report, FaultCounters faults, _) = Run(new FaultOptions { Seed = 1, LossRate = 0.03 });
        Assert.True(faults.Lost > 400, $"the fault port lost {faults.Lost}");
        Assert.Equal(new StreamReport(11, Frames - faults.Lost, faults.Lost, 0, 0, report.Latency), report);
    }

    [Fact]
    public void Duplicates_are_counted_exactly()
    {
        (StreamReport report, FaultCounters faults, _) = Run(new FaultOptions { Seed = 2, DuplicateRate = 0.02 });
        // About 2% of 20,000; how many exactly depends on how the generator's bursts meet the port (a retried
        // burst draws again), so this only guards that there is something to count: the equality is the test.
        Assert.True(faults.Duplicated > 100, $"the fault port duplicated {faults.Duplicated}");
        Assert.Equal(new StreamReport(11, Frames + faults.Duplicated, 0, 0, faults.Duplicated, report.Latency), report);
    }

    [Fact]
    public void Reordering_is_counted_exactly()
    {
        // Held frames go on only when later frames pass them (no timeout), so each is overtaken: reordered.
        var options = new FaultOptions { Seed = 3, ReorderRate = 0.02, ReorderDepth = 5, ReorderTimeout = Timeout.InfiniteTimeSpan };
        (StreamReport report, FaultCounters faults, _) = Run(options);
        Assert.True(faults.Reordered > 100, $"the fault port reordered {faults.Reordered}");
        Assert.Equal(new StreamReport(11, Frames, 0, faults.Reordered, 0, report.Latency), report);
    }

    [Fact]
    public void All_faults_at_once_match_a_set_based_count_of_the_arrivals()
    {
        var options = new FaultOptions { Seed = 4, LossRate = 0.02, DuplicateRate = 0.02, ReorderRate = 0.03, ReorderDepth = 4, ReorderTimeout = Timeout.InfiniteTimeSpan };
        (StreamReport report, FaultCounters faults, List<uint> arrivals) = Run(options);
        (long lost, long reordered, long duplicates) = SequenceWindowTests.Oracle(arrivals);
        Assert.Equal(new StreamReport(11, arrivals.Count, lost, reordered, duplicates, report.Latency), report);
        Assert.True(lost > 0 && reordered > 0 && duplicates > 0, $"lost {lost}, reordered {reordered}, duplicates {duplicates}");
        // What the sink can see of the fault port's work: every loss but any after the last frame that arrived.
        Assert.InRange(lost, faults.Lost - 5, faults.Lost);
        Assert.Equal(report.Latency.Count, arrivals.Count);
    }

    /// <summary>Sends <see cref="Frames"/> frames through the faults to the sink; returns its report of the stream, the faults, and the arrival order.</summary>
    private static (StreamReport Report, FaultCounters Faults, List<uint> Arrivals) Run(FaultOptions faults)
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 8192, RingSize = 4096 });
        using (a)
        using (b)
        {
            using var faulty = new FaultInjectingPort(a, faults, leaveInnerOpen: true);
            var recording = new RecordingPort(b);
            var counters = new LiveCounters();
            using var stop = new CancellationTokenSource();
            SinkResult sunk = default;
            var sink = new Thread(() => sunk = PacketSink.Run(recording, new SinkSettings { Counters = counters, Duration = TimeSpan.FromMinutes(2) }, stop.Token));
            sink.Start();
            GeneratorResult sent = TrafficGenerator.Run(faulty, [Stream with { Sizes = FrameSizes.Imix }],
                new GeneratorSettings { Count = Frames, RewriteFrames = true }, CancellationToken.None);
            Assert.Equal(Frames, sent.Packets);
            Assert.Equal(0, faulty.Pending);

            FaultCounters counted = faulty.TransmitFaults;
            long expected = Frames - counted.Lost + counted.Duplicated;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (counters.RxPackets < expected && DateTime.UtcNow < deadline) Thread.Sleep(5);
            stop.Cancel();
            sink.Join();
            Assert.Equal(expected, sunk.Packets);
            IReadOnlyList<StreamReport> streams = StreamReport.Merge([sunk]);
            return (Assert.Single(streams), counted, recording.Sequences);
        }
    }

    /// <summary>Passes frames through and writes down the sequence number of each signed one, in arrival order.</summary>
    private sealed class RecordingPort(IPacketPort inner) : IPacketPort
    {
        public List<uint> Sequences { get; } = [];
        public PortInfo Info => inner.Info;
        public FramePool Pool => inner.Pool;
        public PortStats Stats => inner.Stats;

        public int Receive(Span<Packet> packets)
        {
            int n = inner.Receive(packets);
            foreach (Packet packet in packets[..n])
            {
                if (FrameSignature.TryRead(Pool.Region.GetSpan(packet), out SignatureRecord signature)) Sequences.Add(signature.Sequence);
            }
            return n;
        }

        public int Transmit(ReadOnlySpan<Packet> packets) => inner.Transmit(packets);
        public void Flush() => inner.Flush();
        public void Dispose() => inner.Dispose();
    }
}
