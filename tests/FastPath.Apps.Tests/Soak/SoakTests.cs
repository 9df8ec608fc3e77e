using System.Globalization;
using System.Text.Json;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Soak;

/// <summary>
/// The soak (issue 9): for <c>FASTPATH_SOAK_SECONDS</c> (120 by default), <c>fastpath gen</c> sends signed ICMP
/// echo requests at <c>FASTPATH_SOAK_PPS</c> (50 kpps) through a veth to <c>fastpath respond</c>, whose replies
/// come back to <c>fastpath sink</c> on the generator's own interface (the generator sends with AF_PACKET, the
/// sink receives the interface's queue with AF_XDP); beside it, on a second veth, two client addresses run
/// <c>fastpath tcp connect</c> against <c>fastpath echo --tcp</c> over and over, one with short transfers (many
/// connections), one with long ones. Every FastPath server process writes <c>--stats-json</c> once a second;
/// after the warm-up none may grow (<see cref="GrowthCheck"/>), every frame sent is received or counted as
/// dropped by reason (<see cref="LossLedger"/>), and every TCP transfer comes back whole and verified.
/// </summary>
/// <remarks>Hours: <c>FASTPATH_SOAK_SECONDS=14400 ./test.sh --filter "FullyQualifiedName~Soak"</c>.</remarks>
[Collection(SoakCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    private const int StreamId = 9;
    private const long ShortTransferBytes = 64 << 10;
    private const long LongTransferBytes = 32 << 20;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Gen_respond_sink_with_tcp_transfers_alongside_loses_nothing_unexplained_and_grows_nothing()
    {
        SoakSettings settings = SoakSettings.FromEnvironment();
        using NetLab traffic = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using NetLab tcp = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        string folder = Directory.CreateTempSubdirectory("fastpath-soak-").FullName;
        string Stats(string process) => Path.Combine(folder, process + ".jsonl");
        string seconds = ((long)settings.Duration.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        output.WriteLine($"soak: {seconds} s at {settings.PacketsPerSecond} pps, warm-up {settings.WarmUp.TotalSeconds:F0} s; stats in {folder}");

        // Long enough to outlive the generator; stopped by SIGTERM once it is done.
        string serviceLimit = $"{(long)settings.Duration.TotalSeconds + 900}s";
        using var sink = new FastpathCli.Running("sink", "--iface", traffic.LocalInterface, "--driver", "afxdp", "--duration", serviceLimit,
            "--json", "--stats-json", Stats("sink"));
        Assert.True(sink.WaitForStderr("receiving on", ReadyTimeout), "sink did not start");
        using var respond = FastpathCli.Running.InPeerNamespace(traffic, "respond", "--iface", traffic.PeerInterface, "--driver", "afxdp",
            "--ip", $"{traffic.PeerIp}/{traffic.PrefixLength}", "--json", "--stats-json", Stats("respond"));
        Assert.True(respond.WaitForStderr("answering on", ReadyTimeout), "respond did not start");
        using var echo = FastpathCli.Running.InPeerNamespace(tcp, "echo", "--tcp", "--iface", tcp.PeerInterface, "--driver", "afxdp",
            "--ip", $"{tcp.PeerIp}/{tcp.PrefixLength}", "--json", "--stats-json", Stats("echo"));
        Assert.True(echo.WaitForStderr("answering on", ReadyTimeout), "echo did not start");

        // Requests from our own address and MAC: the responder swaps them, so every reply comes back to this
        // interface, where the sink's XDP program takes it before the kernel would.
        using var gen = new FastpathCli.Running("gen", "--iface", traffic.LocalInterface, "--driver", "afpacket", "--proto", "icmp",
            "--src-ip", traffic.LocalIp.ToString(), "--dst-ip", traffic.PeerIp.ToString(), "--dst-mac", traffic.PeerMac.ToString(),
            "--stream-id", StreamId.ToString(CultureInfo.InvariantCulture), "--rate", $"{settings.PacketsPerSecond.ToString(CultureInfo.InvariantCulture)}pps",
            "--duration", $"{seconds}s", "--json", "--stats-json", Stats("gen"));
        Assert.True(gen.WaitForStderr("sending on", ReadyTimeout), "gen did not start");

        var lanes = new[]
        {
            new TcpLane("short", tcp, tcp.LocalIp.ToString(), ShortTransferBytes),
            new TcpLane("long", tcp, SiblingAddress(tcp, 3), LongTransferBytes),
        };
        using var stopLanes = new CancellationTokenSource();
        Task[] running = [.. lanes.Select(lane => lane.Run(stopLanes.Token))];
        int genExit;
        string genStdout, genStderr;
        try
        {
            (genExit, genStdout, genStderr) = gen.WaitForExit(settings.Duration * 3 + TimeSpan.FromMinutes(5));
        }
        finally
        {
            // Also when gen overran: no lane may go on starting clients against a lab about to be removed.
            stopLanes.Cancel();
        }
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        Assert.True(genExit == 0, $"gen exit {genExit}: {genStderr}");
        // Replies still on their way have long arrived after this (a round trip is microseconds to milliseconds).
        Thread.Sleep(TimeSpan.FromSeconds(2));
        JsonElement vethTrafficLocal = LinkStats(null, traffic.LocalInterface), vethTrafficPeer = LinkStats(traffic.Namespace, traffic.PeerInterface);

        JsonElement sinkReport = Stop(sink, "sink"), respondReport = Stop(respond, "respond"), echoReport = Stop(echo, "echo");
        using JsonDocument genDocument = JsonDocument.Parse(genStdout);
        JsonElement genReport = genDocument.RootElement;

        var reports = new List<GrowthReport>();
        var limits = new GrowthLimits();
        var logs = new Dictionary<string, IReadOnlyList<StatsSample>>();
        foreach (string process in new[] { "gen", "sink", "respond", "echo" })
        {
            logs[process] = StatsLog.Read(Stats(process));
            reports.Add(GrowthCheck.Check(process, logs[process], settings.WarmUp, limits, endsIdle: process != "gen"));
        }

        LossLedger ledger = Account(genReport, sinkReport, respondReport, logs["respond"], vethTrafficLocal, vethTrafficPeer);
        TcpTransferOutcome[] transfers = [.. lanes.SelectMany(lane => lane.Transfers)];

        output.WriteLine($"frames: {ledger}");
        JsonElement stream = sinkReport.GetProperty("streams").EnumerateArray().FirstOrDefault(s => s.GetProperty("id").GetInt32() == StreamId);
        if (stream.ValueKind == JsonValueKind.Object)
            output.WriteLine($"sink stream {StreamId}: lost {stream.GetProperty("lost")}, reordered {stream.GetProperty("reordered")}, duplicates {stream.GetProperty("duplicates")}");
        output.WriteLine($"respond: echo_requests {respondReport.GetProperty("echo_requests")}, echo_replies {respondReport.GetProperty("echo_replies")}, drops_total {respondReport.GetProperty("drops_total")}");
        foreach (TcpLane lane in lanes)
        {
            TcpTransferOutcome[] done = [.. lane.Transfers];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tcp {lane.Name}: {done.Length} transfers of {(done.Length > 0 ? done[0].Bytes : 0)} bytes, {done.Count(t => t.Succeeded)} verified, {done.Sum(t => t.EchoedBytes)} bytes echoed"));
        }
        output.WriteLine($"echo: tcp_connections {echoReport.GetProperty("tcp_connections")}, tcp_echoed_bytes {echoReport.GetProperty("tcp_echoed_bytes")}, tcp_errors {echoReport.GetProperty("tcp_errors")}");
        foreach (GrowthReport report in reports) output.WriteLine(report.ToString());

        Assert.All(reports, report => Assert.True(report.Passed, report.ToString()));
        Assert.True(ledger.Unexplained <= 0, $"frames lost without a counter that explains them: {ledger}");
        Assert.True(ledger.Received > 0, $"the sink received nothing: {ledger}");
        Assert.True(transfers.Length >= 2, "no TCP transfer ran");
        Assert.All(lanes, lane => Assert.NotEmpty(lane.Transfers));
        Assert.All(transfers, transfer => Assert.True(transfer.Succeeded, transfer.ToString()));
        Assert.Equal(transfers.Sum(t => t.EchoedBytes), echoReport.GetProperty("tcp_echoed_bytes").GetInt64());
        foreach (JsonElement worker in respondReport.GetProperty("engine").GetProperty("workers").EnumerateArray())
            Assert.Equal(0, worker.GetProperty("frames_not_returned").GetInt32());
        foreach (JsonElement worker in echoReport.GetProperty("engine").GetProperty("workers").EnumerateArray())
            Assert.Equal(0, worker.GetProperty("frames_not_returned").GetInt32());
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// Sent is what gen put on its port; received is what the sink counted of gen's stream. Between them,
    /// each counter that drops a frame on the way: the generator's port, both veth ends (both ways), the
    /// responder's port (XDP statistics), the responder's stack (by reason), the sink's port. A frame that
    /// XDP could not hand to an AF_XDP socket (its RX ring full, or no fill-ring frame) counts both in the
    /// socket's XDP_STATISTICS and in the veth's rx_dropped: those two are one reason, counted once (the larger).
    /// </summary>
    private static LossLedger Account(JsonElement gen, JsonElement sink, JsonElement respond, IReadOnlyList<StatsSample> respondStats,
        JsonElement vethLocal, JsonElement vethPeer)
    {
        long received = sink.GetProperty("streams").EnumerateArray()
            .Where(stream => stream.GetProperty("id").GetInt32() == StreamId).Sum(stream => stream.GetProperty("rx_packets").GetInt64());
        var ledger = new LossLedger(gen.GetProperty("tx_packets").GetInt64(), received);
        ledger.Add("gen tx_dropped", gen.GetProperty("tx_dropped").GetInt64());
        ledger.Add("veth (gen side) tx_dropped", Dropped(vethLocal, "tx"));
        StatsSample? lastLive = respondStats.LastOrDefault(sample => !sample.Final);
        ledger.Add("respond queue full (xsk rx_dropped = veth rx_dropped)", Math.Max(Dropped(vethPeer, "rx"), lastLive?.Ports.Sum(port => port.RxDropped) ?? 0));
        foreach (JsonProperty drop in respond.GetProperty("drops").EnumerateObject())
            ledger.Add($"respond stack {drop.Name}", drop.Value.GetInt64());
        ledger.Add("veth (respond side) tx_dropped", Dropped(vethPeer, "tx"));
        ledger.Add("sink queue full (xsk rx_dropped = veth rx_dropped)", Math.Max(Dropped(vethLocal, "rx"), sink.GetProperty("rx_dropped").GetInt64()));
        return ledger;
    }

    private static long Dropped(JsonElement link, string direction) =>
        link.GetProperty("stats64").GetProperty(direction).GetProperty("dropped").GetInt64();

    /// <summary><c>ip -s -j link show dev IF</c> (in a namespace when given): the link's counters.</summary>
    private static JsonElement LinkStats(string? ns, string interfaceName)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Requirements.Tool("ip", "iproute2")) { RedirectStandardOutput = true, UseShellExecute = false };
        if (ns is not null)
        {
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add(ns);
        }
        foreach (string argument in new[] { "-s", "-j", "link", "show", "dev", interfaceName }) start.ArgumentList.Add(argument);
        using var ip = System.Diagnostics.Process.Start(start)!;
        string json = ip.StandardOutput.ReadToEnd();
        Assert.True(ip.WaitForExit(30_000) && ip.ExitCode == 0, $"ip -s -j link show dev {interfaceName} failed");
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement[0].Clone();
    }

    /// <summary>SIGTERM, then the totals it prints (exit 0 required).</summary>
    private static JsonElement Stop(FastpathCli.Running process, string name)
    {
        process.Signal(15);
        var (exit, stdout, stderr) = process.WaitForExit(ExitTimeout);
        Assert.True(exit == 0, $"{name} exit {exit}: {stderr}");
        using JsonDocument document = JsonDocument.Parse(stdout);
        return document.RootElement.Clone();
    }

    /// <summary>Another address on the lab's subnet (10.77.x.<paramref name="host"/>) for a second client.</summary>
    private static string SiblingAddress(NetLab lab, int host)
    {
        string[] octets = lab.LocalIp.ToString().Split('.');
        return $"{octets[0]}.{octets[1]}.{octets[2]}.{host.ToString(CultureInfo.InvariantCulture)}";
    }
}
