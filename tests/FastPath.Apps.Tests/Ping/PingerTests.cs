using FastPath.Apps.Ping;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Tests.Ping;

/// <summary>
/// The pinger against FastPath's own responder on an in-memory wire whose far end duplicates, reorders and
/// loses replies (FaultInjectingPort), both driven by hand on one manual clock: every reply is counted once,
/// every copy as a duplicate, every late one as reordered, as iputils counts them.
/// </summary>
public sealed class PingerTests
{
    private static readonly Ipv4Address PingerIp = Ipv4Address.Parse("10.0.0.2");
    private static readonly Ipv4Address ResponderIp = Ipv4Address.Parse("10.0.0.1");

    private sealed class Wire : IDisposable
    {
        private readonly Packet[] _burst = new Packet[64];
        private readonly MemoryPort _near;
        private readonly IPacketPort _far;
        private readonly WorkerContext _nearContext;
        private readonly WorkerContext _farContext;

        public Wire(PingSettings settings, FaultOptions? replyFaults)
        {
            (_near, MemoryPort far) = MemoryPort.CreatePair(new MemoryPortOptions
            {
                FrameCount = 2048,
                MacA = MacAddress.Parse("02:00:00:00:00:02"),
                MacB = MacAddress.Parse("02:00:00:00:00:01"),
            });
            _far = replyFaults is null ? far : new FaultInjectingPort(far, replyFaults);
            Clock = new ManualClock(1_000_000_000);
            _nearContext = new WorkerContext(0, _near, Clock, new TimerWheel(Clock.NowNanoseconds), new TxBuffer(256));
            _farContext = new WorkerContext(1, _far, Clock, new TimerWheel(Clock.NowNanoseconds), new TxBuffer(256));
            Pinger = new Pinger(settings, new InterfaceConfig { Address = new Ipv4Cidr(PingerIp, 24) });
            Responder = new NetworkStack(new InterfaceConfig { Address = new Ipv4Cidr(ResponderIp, 24) });
            Pinger.Start(_nearContext);
            Responder.Start(_farContext);
        }

        public ManualClock Clock { get; }

        public Pinger Pinger { get; }

        public NetworkStack Responder { get; }

        /// <summary>Both ends loop, the clock moving <paramref name="step"/> a loop, until the pinger is done.</summary>
        public void RunUntilFinished(TimeSpan step)
        {
            for (int loop = 0; loop < 1_000_000 && !Pinger.IsFinished; loop++)
            {
                Turn(_near, _nearContext, Pinger);
                Turn(_far, _farContext, Responder);
                Clock.Advance(step);
            }
            Assert.True(Pinger.IsFinished, "the pinger never finished");
        }

        public List<PingEvent> Events()
        {
            var events = new List<PingEvent>();
            while (Pinger.Events.TryDequeue(out PingEvent answer)) events.Add(answer);
            return events;
        }

        private void Turn(IPacketPort port, WorkerContext context, IWorkerApplication application)
        {
            int received = port.Receive(_burst);
            application.Receive(_burst.AsSpan(0, received));
            context.Tx.Drain(port);
            context.Timers.Advance(Clock.NowNanoseconds);
            application.Poll(Clock.NowNanoseconds);
            context.Tx.Drain(port);
        }

        public void Dispose()
        {
            Pinger.Stop();
            Responder.Stop();
            _nearContext.Tx.Clear(_near.Pool);
            _farContext.Tx.Clear(_far.Pool);
            Pinger.Dispose();
            _near.Dispose();
            _far.Dispose();
        }
    }

    [Fact]
    public void Every_request_is_answered_once_with_its_sequence_and_round_trip()
    {
        var settings = new PingSettings { Destination = ResponderIp, Identifier = 0x4242, Count = 50, Interval = TimeSpan.FromMilliseconds(1) };
        using var wire = new Wire(settings, null);
        wire.RunUntilFinished(TimeSpan.FromMicroseconds(100));

        PingStatistics statistics = wire.Pinger.Statistics;
        Assert.Equal((50, 50, 0, 0, 0), (statistics.Transmitted, statistics.Received, statistics.Duplicates, statistics.Errors, statistics.Reordered));
        List<PingEvent> events = wire.Events();
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (ushort)i), events.Select(e => e.Sequence));
        Assert.All(events, e => Assert.Equal((PingEventKind.Reply, 64, (byte)64, ResponderIp.Value), (e.Kind, e.Bytes, e.Ttl, e.Source)));
        // The manual clock moves between loops only; the first request also waited for ARP.
        Assert.All(events.Skip(1), e => Assert.InRange(e.RoundTripNanoseconds, 0, 200_000));
        Assert.Equal(50, statistics.RoundTrips.Count);
        Assert.Equal(0, statistics.LossPercent);
    }

    [Fact]
    public void Duplicated_and_reordered_replies_are_counted_as_iputils_counts_them()
    {
        var settings = new PingSettings { Destination = ResponderIp, Identifier = 7, Count = 400, Interval = TimeSpan.FromMicroseconds(100) };
        var faults = new FaultOptions { Seed = 11, DuplicateRate = 0.1, ReorderRate = 0.1, ReorderTimeout = Timeout.InfiniteTimeSpan };
        using var wire = new Wire(settings, faults);
        wire.RunUntilFinished(TimeSpan.FromMicroseconds(100));

        PingStatistics statistics = wire.Pinger.Statistics;
        List<PingEvent> events = wire.Events();
        Assert.Equal(400, statistics.Transmitted);
        Assert.True(statistics.Duplicates > 10, $"{statistics.Duplicates} duplicates");
        Assert.True(statistics.Reordered > 10, $"{statistics.Reordered} reordered");
        Assert.Equal(statistics.Duplicates, events.Count(e => e.Kind == PingEventKind.Duplicate));
        Assert.Equal(statistics.Received, events.Count(e => e.Kind == PingEventKind.Reply));
        // Each sequence number is one reply at most; every duplicate repeats one already seen.
        var replies = events.Where(e => e.Kind == PingEventKind.Reply).Select(e => e.Sequence).ToList();
        Assert.Equal(replies.Count, replies.Distinct().Count());
        Assert.All(events.Where(e => e.Kind == PingEventKind.Duplicate), e => Assert.Contains(e.Sequence, replies));
        // Held replies still queued at the end (no timeout) are lost; the rest came back.
        Assert.InRange(statistics.Received, 400 - 10, 400);
        Assert.Equal(statistics.Received, statistics.RoundTrips.Count);
    }

    [Fact]
    public void Flood_sends_the_next_request_as_soon_as_the_reply_is_back()
    {
        // An interval far longer than the run: only the replies can pace the requests.
        var settings = new PingSettings { Destination = ResponderIp, Identifier = 9, Count = 1000, Interval = TimeSpan.FromSeconds(10), Flood = true, ReportEachReply = false };
        using var wire = new Wire(settings, null);
        wire.RunUntilFinished(TimeSpan.FromMicroseconds(10));

        PingStatistics statistics = wire.Pinger.Statistics;
        Assert.Equal((1000, 1000), (statistics.Transmitted, statistics.Received));
        Assert.True(statistics.Seconds < 1, $"{statistics.Seconds} s: the flood waited for the interval");
        Assert.Empty(wire.Events());
    }

    [Fact]
    public void Nobody_answering_ends_after_the_timeout_with_everything_lost()
    {
        var settings = new PingSettings
        {
            Destination = Ipv4Address.Parse("10.0.0.99"), Identifier = 3, Count = 3, Interval = TimeSpan.FromMilliseconds(10), Timeout = TimeSpan.FromSeconds(1),
        };
        using var wire = new Wire(settings, null);
        long start = wire.Clock.NowNanoseconds;
        wire.RunUntilFinished(TimeSpan.FromMilliseconds(1));

        PingStatistics statistics = wire.Pinger.Statistics;
        Assert.Equal((3, 0, 100.0), (statistics.Transmitted, statistics.Received, statistics.LossPercent));
        Assert.InRange(wire.Clock.NowNanoseconds - start, 1_000_000_000, 1_100_000_000);
    }
}
