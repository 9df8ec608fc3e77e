using FastPath.Engine.Memory;
using FastPath.Engine.Stack;
using FastPath.Engine.Tests.Stack;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Tests.Hardening;

/// <summary>
/// A ping flood in virtual time: with <see cref="InterfaceConfig.IcmpEchoRepliesPerSecond"/> the responder
/// answers exactly what its token bucket allows (the burst, then the rate), drops the rest as
/// echo_rate_limited, and every request is accounted for; without it every request is answered.
/// </summary>
[Collection(nameof(FloodCollection))]
public class IcmpFloodTests(ITestOutputHelper output)
{
    private const long FloodRate = 100_000;

    [Theory]
    [InlineData(1000, 50, 3)]
    [InlineData(250, 2, 2)]
    [InlineData(20_000, 500, 2)]
    public void An_echo_flood_is_answered_at_the_configured_rate_and_burst_and_the_rest_counted(int rate, int burst, int seconds)
    {
        var report = new FloodReport(output, $"icmp flood, limit {rate}/s burst {burst}");
        using var h = new StackHarness(new InterfaceConfig
        {
            Address = new Ipv4Cidr(StackHarness.StackIp, 24),
            IcmpEchoRepliesPerSecond = rate,
            IcmpEchoReplyBurst = burst,
        });
        h.Sent();
        byte[] request = StackFrames.EchoRequest(0x77, 1, StackFrames.Pattern(56));
        var replies = new Packet[64];
        long answered = 0;
        long firstRequestAt = -1;
        var flood = new FloodInjector(h.Peer, h.Clock, () =>
        {
            if (firstRequestAt < 0) firstRequestAt = h.Clock.NowNanoseconds;
            h.Run();
            answered += FloodInjector.DrainAndFree(h.Peer, replies);
        });
        FloodFrameWriter write = (frame, _) => FloodFrames.Copy(frame, request);

        long total = FloodRate * seconds;
        // The first second warms every path up; memory is measured over the rest.
        flood.Flood(0, FloodRate, FloodRate, write);
        report.StartMeasuring();
        flood.Flood(FloodRate, total - FloodRate, FloodRate, write);
        report.AssertMemoryFlat(allocationBudget: 0, heapBudget: 64 * 1024);

        StackCountersSnapshot counters = h.Stack.GetCounters();
        // The bucket starts full at the first request and refills until the last: burst + rate x (last - first).
        // Requests come in bursts of 32 (320 us apart at 100 kpps), so a burst of at least rate x 320 us + 1
        // keeps the bucket from ever overflowing between them (a burst of 1 at 250/s would lose the tokens that
        // arrive while it is full, as a token bucket should).
        long expected = burst + (long)((Int128)rate * (h.Clock.NowNanoseconds - firstRequestAt) / 1_000_000_000);
        Assert.InRange(expected, burst + (long)rate * seconds - rate / 1000 - 1, burst + (long)rate * seconds);
        report.Log($"{total} requests at {FloodRate}/s for {seconds} s: {answered} replies (burst + rate x time = {expected}), "
            + $"{counters.Dropped(StackDropReason.EchoRateLimited)} echo_rate_limited");
        Assert.InRange(answered, expected - 1, expected + 1);
        Assert.Equal(answered, counters.EchoReplies);
        Assert.Equal(total, counters.EchoRequests);
        Assert.Equal(total - answered, counters.Dropped(StackDropReason.EchoRateLimited));
        Assert.Equal(counters.RxPackets, counters.EchoReplies + counters.DropsTotal);
        Assert.Equal(counters.DropsTotal, counters.Dropped(StackDropReason.EchoRateLimited));
        Assert.Equal(0, flood.Refused);
        h.AssertAllFramesReturned();
        report.AssertFinishedWithin(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void Without_a_limit_every_request_of_an_echo_flood_is_answered()
    {
        var report = new FloodReport(output, "icmp flood, no limit");
        using var h = new StackHarness();
        h.Sent();
        byte[] request = StackFrames.EchoRequest(0x77, 1, StackFrames.Pattern(56));
        var replies = new Packet[64];
        long answered = 0;
        var flood = new FloodInjector(h.Peer, h.Clock, () =>
        {
            h.Run();
            answered += FloodInjector.DrainAndFree(h.Peer, replies);
        });
        FloodFrameWriter write = (frame, _) => FloodFrames.Copy(frame, request);
        flood.Flood(0, 50_000, 1_000_000, write);
        report.StartMeasuring();
        flood.Flood(50_000, 250_000, 1_000_000, write);
        report.AssertMemoryFlat(allocationBudget: 0, heapBudget: 64 * 1024);

        StackCountersSnapshot counters = h.Stack.GetCounters();
        report.Log($"300000 requests at 1000000/s: {answered} replies, {counters.DropsTotal} drops");
        Assert.Equal(300_000, answered);
        Assert.Equal((300_000L, 300_000L, 0L), (counters.EchoRequests, counters.EchoReplies, counters.DropsTotal));
        h.AssertAllFramesReturned();
        report.AssertFinishedWithin(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void A_rate_without_a_burst_is_refused()
    {
        var config = new InterfaceConfig
        {
            Address = new Ipv4Cidr(StackHarness.StackIp, 24),
            IcmpEchoRepliesPerSecond = 100,
            IcmpEchoReplyBurst = 0,
        };
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkStack(config));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetworkStack(new InterfaceConfig
        {
            Address = config.Address,
            IcmpEchoRepliesPerSecond = -1,
        }));
    }
}
