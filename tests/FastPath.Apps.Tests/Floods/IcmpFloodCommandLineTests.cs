using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Floods;

/// <summary>
/// iputils ping floods from the kernel in the peer namespace against `fastpath respond`: with --echo-rate the
/// kernel gets no more replies than the token bucket allows (burst + rate x time) and fastpath counts every
/// request it left unanswered; without a limit every request is answered or its drop has a counter.
/// </summary>
public sealed partial class IcmpFloodCommandLineTests(ITestOutputHelper output)
{
    private const int Rate = 1000;
    private const int Burst = 50;
    private const int Pingers = 3;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_ping_flood_gets_replies_at_the_echo_rate_and_the_rest_are_counted_as_rate_limited()
    {
        string ping = Requirements.Tool("ping", "iputils-ping");
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var respond = new FastpathCli.Running("respond", "--iface", lab.LocalInterface, "--ip", $"{lab.LocalIp}/{lab.PrefixLength}",
            "--echo-rate", Rate.ToString(CultureInfo.InvariantCulture), "--echo-burst", Burst.ToString(CultureInfo.InvariantCulture),
            "--duration", "120s", "--json");
        Assert.True(respond.WaitForStderr("answering on", ReadyTimeout), "respond did not start");

        // Several flood pings for 3 s (-w), each sending every 200 us (-i) with up to 500 requests unanswered (-l):
        // without the preload, ping -f waits for replies that the limit withholds and floods no more.
        var wall = System.Diagnostics.Stopwatch.StartNew();
        PingSummary[] pings = await Task.WhenAll(Enumerable.Range(0, Pingers).Select(_ => Task.Run(() =>
            PingSummary.Parse(lab.RunInPeer(TimeSpan.FromSeconds(60), ping, "-f", "-q", "-i", "0.0002", "-l", "500", "-w", "3", "-W", "1",
                lab.LocalIp.ToString())))));
        wall.Stop();
        JsonElement report = Stop(respond);

        long transmitted = pings.Sum(p => p.Transmitted), received = pings.Sum(p => p.Received);
        double seconds = pings.Max(p => p.Milliseconds) / 1000.0;
        // The pings start one after the other: the bucket refills over the whole span, which the wall time around them bounds.
        double span = wall.Elapsed.TotalSeconds;
        long requests = report.GetProperty("echo_requests").GetInt64();
        long replies = report.GetProperty("echo_replies").GetInt64();
        long limited = report.GetProperty("drops").GetProperty("echo_rate_limited").GetInt64();
        output.WriteLine($"{Pingers} x ping -f -i 0.0002 -l 500 -w 3 ({span:F2} s from the first start to the last exit): {transmitted} requests "
            + $"({transmitted / span:F0}/s), kernel got {received} replies (bound {Burst + (long)(Rate * span)}); "
            + $"fastpath: {requests} echo requests, {replies} replies, {limited} echo_rate_limited, drops_total {report.GetProperty("drops_total").GetInt64()}");

        // The physical bound: the bucket holds the burst and refills at the rate for as long as the pings ran.
        Assert.InRange(received, 1, Burst + (long)(Rate * span));
        Assert.InRange(replies, 1, Burst + (long)(Rate * span));
        // The flood was a flood: far more requests than the rate allows, and the surplus counted, not lost.
        Assert.True(transmitted > 2 * Rate * seconds, $"the pings sent only {transmitted} requests in {seconds:F2} s");
        Assert.True(limited > 0, "no request was rate limited");
        Assert.Equal(requests, replies + limited);
        Assert.InRange(received, replies - Pingers * 2000, replies);
        Assert.InRange(requests, received, transmitted);
        Assert.Equal(Rate, report.GetProperty("echo_rate").GetInt32());
        Assert.Equal(Burst, report.GetProperty("echo_burst").GetInt32());
        // Not a timing assertion: at least a second's worth of replies came, i.e. the limit does not starve the path.
        Assert.True(received >= Rate, $"only {received} replies in {seconds:F2} s at {Rate}/s");
    }

    [Fact]
    public void Without_an_echo_rate_every_request_of_a_ping_flood_is_answered_or_its_drop_counted()
    {
        string ping = Requirements.Tool("ping", "iputils-ping");
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var respond = new FastpathCli.Running("respond", "--iface", lab.LocalInterface, "--ip", $"{lab.LocalIp}/{lab.PrefixLength}",
            "--duration", "120s", "--json");
        Assert.True(respond.WaitForStderr("answering on", ReadyTimeout), "respond did not start");

        PingSummary summary = PingSummary.Parse(lab.RunInPeer(TimeSpan.FromSeconds(60), ping, "-f", "-q", "-i", "0.0002", "-c", "10000", "-W", "1",
            lab.LocalIp.ToString()));
        JsonElement report = Stop(respond);
        long requests = report.GetProperty("echo_requests").GetInt64();
        long replies = report.GetProperty("echo_replies").GetInt64();
        long drops = report.GetProperty("drops_total").GetInt64();
        output.WriteLine($"ping -f -i 0.0002 -c 10000: {summary.Transmitted} requests, {summary.Received} replies in {summary.Milliseconds} ms; "
            + $"fastpath: {requests} echo requests, {replies} replies, {drops} drops, echo_rate_limited {report.GetProperty("drops").GetProperty("echo_rate_limited").GetInt64()}");

        Assert.Equal(10_000, summary.Transmitted);
        Assert.Equal(0, report.GetProperty("drops").GetProperty("echo_rate_limited").GetInt64());
        Assert.Equal(0, report.GetProperty("echo_rate").GetInt32());
        // Every request fastpath saw was answered (a reply the TX ring refused would be counted as tx_buffer_full);
        // what the kernel did not get back never reached the stack, and the port's counters say so.
        Assert.Equal(requests, replies);
        Assert.Equal(summary.Received, replies);
        Assert.Equal(summary.Transmitted, requests + PortDrops(report));
    }

    [Theory]
    [InlineData("--echo-rate", "-5")]
    [InlineData("--echo-rate", "fast")]
    [InlineData("--echo-rate", "99999999999")]
    [InlineData("--echo-rate", "100", "--echo-burst", "0")]
    [InlineData("--echo-burst", "10")]
    public void Bad_echo_limits_are_one_line_and_exit_2(params string[] args)
    {
        var (exit, stdout, stderr) = FastpathCli.Run(["respond", "--ip", "10.0.0.1/24", .. args, "--iface", "lo", "--duration", "1s"]);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fastpath: ", stderr, StringComparison.Ordinal);
    }

    private static long PortDrops(JsonElement report)
    {
        long drops = 0;
        foreach (JsonElement worker in report.GetProperty("engine").GetProperty("workers").EnumerateArray())
        {
            foreach (JsonProperty property in worker.EnumerateObject())
            {
                if (property.Name is "rx_dropped" or "rx_ring_full" && property.Value.ValueKind == JsonValueKind.Number) drops += property.Value.GetInt64();
            }
        }
        return drops;
    }

    private static JsonElement Stop(FastpathCli.Running respond)
    {
        respond.Signal(15);
        var (exit, stdout, stderr) = respond.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    /// <summary>iputils ping's summary: "N packets transmitted, M received, ..., time Tms".</summary>
    private readonly record struct PingSummary(long Transmitted, long Received, long Milliseconds)
    {
        public static PingSummary Parse(CommandResult result)
        {
            Match match = SummaryPattern().Match(result.Output);
            Assert.True(match.Success, $"no ping summary in: {result.Output} {result.Error}");
            return new PingSummary(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
                long.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) received.*time (\d+)ms")]
    private static partial Regex SummaryPattern();
}
