using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.DataPath;

/// <summary>
/// `fastpath gen` and `fastpath sink` as processes on a veth lab, against the kernel in the peer namespace:
/// exact counts (the peer's own interface counters), valid frames (the kernel's UDP socket only delivers
/// datagrams whose checksums are right), clean stops on SIGTERM and nothing left after SIGKILL.
/// </summary>
public sealed class GenSinkCommandLineTests
{
    private const int PeerPort = 9000;
    private static readonly TimeSpan AttachTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("afxdp", null)]
    [InlineData("afpacket", null)]
    [InlineData("afpacket", "0-1")]
    public void Gen_sends_exactly_count_valid_frames_to_the_kernel_peer(string driver, string? cores)
    {
        using NetLab lab = NetLab.Create();
        using Socket peer = lab.OpenPeerUdp(PeerPort);
        const int Count = 500;
        var args = new List<string>
        {
            "gen", "--iface", lab.LocalInterface, "--driver", driver, "--dst-mac", lab.PeerMac.ToString(),
            "--src-ip", lab.LocalIp.ToString(), "--dst-ip", lab.PeerIp.ToString(), "--dst-port", PeerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--size", "100", "--count", Count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json",
        };
        if (cores != null) args.AddRange(["--cores", cores]);

        var (exit, stdout, stderr) = FastpathCli.Run([.. args]);

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal(Count, report.RootElement.GetProperty("tx_packets").GetInt64());
        Assert.Equal(Count * 100, report.RootElement.GetProperty("tx_bytes").GetInt64());
        Assert.Equal(driver, report.RootElement.GetProperty("driver").GetString());
        Assert.True(report.RootElement.GetProperty("pps").GetDouble() > 0);
        Assert.False(string.IsNullOrEmpty(report.RootElement.GetProperty("mode").GetString()));

        // veth counts every frame it hands the peer as received or dropped (backlog full): together, exactly what was sent.
        (long received, long dropped) = PeerCounters(lab);
        Assert.Equal(Count, received + dropped);
        int datagrams = DrainDatagrams(peer, expectedLength: 100 - 42);
        Assert.True(datagrams > 0 && datagrams <= Count, $"the kernel socket received {datagrams} valid datagrams");
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface), "an XDP program was left on the interface");
    }

    [Fact]
    public void Gen_on_two_cores_with_afxdp_sends_exactly_count_over_two_queues()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { RxQueues = 2, TxQueues = 2 });
        (long receivedBefore, long droppedBefore) = PeerCounters(lab);
        var (exit, stdout, stderr) = FastpathCli.Run("gen", "--iface", lab.LocalInterface, "--driver", "afxdp", "--cores", "0-1", "--dst-mac", lab.PeerMac.ToString(),
            "--src-ip", lab.LocalIp.ToString(), "--dst-ip", lab.PeerIp.ToString(), "--count", "20001", "--json");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal(20001, report.RootElement.GetProperty("tx_packets").GetInt64());
        Assert.Equal([0, 1], report.RootElement.GetProperty("queues").EnumerateArray().Select(q => q.GetInt32()));
        (long received, long dropped) = PeerCounters(lab);
        Assert.Equal(20001, received - receivedBefore + dropped - droppedBefore);
    }

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void A_rate_of_100kpps_for_3s_lands_within_2_percent_of_300000_at_the_peer(string driver)
    {
        using NetLab lab = NetLab.Create();
        (long receivedBefore, long droppedBefore) = PeerCounters(lab);
        var (exit, stdout, stderr) = FastpathCli.Run("gen", "--iface", lab.LocalInterface, "--driver", driver, "--dst-mac", lab.PeerMac.ToString(),
            "--src-ip", lab.LocalIp.ToString(), "--dst-ip", lab.PeerIp.ToString(), "--rate", "100kpps", "--duration", "3s", "--json");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        (long received, long dropped) = PeerCounters(lab);
        // Counted by the peer's kernel (frames the veth handed it, taken or dropped), not by the sender.
        long arrived = received - receivedBefore + dropped - droppedBefore;
        Assert.InRange(arrived, 294_000, 306_000);
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal(arrived, report.RootElement.GetProperty("tx_packets").GetInt64());
    }

    [Fact]
    public void Count_arrives_exactly_at_a_fastpath_sink_which_reports_each_stream_without_loss()
    {
        using NetLab lab = NetLab.Create();
        string streams = Path.Combine(Path.GetTempPath(), $"fastpath-streams-{Environment.ProcessId}.json");
        File.WriteAllText(streams, """
            { "streams": [
              { "id": 1, "rate": "60kpps", "size": "imix", "flows": 16, "src_port": 40000 },
              { "id": 2, "rate": "30kpps", "size": "64-300", "random": true } ] }
            """);
        try
        {
            const int Count = 30_000;
            using var sink = FastpathCli.Running.InPeerNamespace(lab, "sink", "--iface", lab.PeerInterface, "--driver", "afxdp", "--count", "30000", "--duration", "60s", "--json");
            Assert.True(sink.WaitForStderr("receiving on", AttachTimeout), "the sink in the peer namespace did not say it was receiving");
            var (exit, genOut, genErr) = FastpathCli.Run("gen", "--iface", lab.LocalInterface, "--driver", "afxdp", "--dst-mac", lab.PeerMac.ToString(),
                "--src-ip", lab.LocalIp.ToString(), "--dst-ip", lab.PeerIp.ToString(), "--streams", streams, "--count", "30000", "--json");
            Assert.True(exit == 0, $"gen exit {exit}: {genErr}");
            var (sinkExit, sinkOut, sinkErr) = sink.WaitForExit(TimeSpan.FromSeconds(60));
            Assert.True(sinkExit == 0, $"sink exit {sinkExit}: {sinkErr}");

            using JsonDocument sent = JsonDocument.Parse(genOut);
            using JsonDocument received = JsonDocument.Parse(sinkOut);
            Assert.Equal(Count, received.RootElement.GetProperty("rx_packets").GetInt64());
            Assert.Equal(Count, received.RootElement.GetProperty("signed_packets").GetInt64());
            var sentStreams = sent.RootElement.GetProperty("streams").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetInt32(), s => s.GetProperty("tx_packets").GetInt64());
            JsonElement[] sunk = [.. received.RootElement.GetProperty("streams").EnumerateArray()];
            Assert.Equal([1, 2], sunk.Select(s => s.GetProperty("id").GetInt32()));
            foreach (JsonElement stream in sunk)
            {
                Assert.Equal(sentStreams[stream.GetProperty("id").GetInt32()], stream.GetProperty("rx_packets").GetInt64());
                Assert.Equal(0, stream.GetProperty("lost").GetInt64());
                Assert.Equal(0, stream.GetProperty("duplicates").GetInt64());
                Assert.Equal(0, stream.GetProperty("reordered").GetInt64());
                JsonElement latency = stream.GetProperty("latency_us");
                Assert.True(latency.GetProperty("p50").GetDouble() > 0, "one-way latency p50 is 0");
                Assert.True(latency.GetProperty("p50").GetDouble() <= latency.GetProperty("p99").GetDouble());
                Assert.True(latency.GetProperty("p99").GetDouble() <= latency.GetProperty("max").GetDouble());
            }
            // The rates are 2:1, and a count is shared by schedule: the streams got 2/3 and 1/3 of it, to a burst.
            Assert.InRange(sentStreams[1], 19_900, 20_100);
        }
        finally
        {
            File.Delete(streams);
        }
    }

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Measure_reports_the_round_trip_through_the_kernel_echo_responder(string driver)
    {
        using NetLab lab = NetLab.Create();
        var (exit, stdout, stderr) = FastpathCli.Run("gen", "--iface", lab.LocalInterface, "--driver", driver, "--proto", "icmp", "--dst-mac", lab.PeerMac.ToString(),
            "--src-ip", lab.LocalIp.ToString(), "--dst-ip", lab.PeerIp.ToString(), "--rate", "20kpps", "--count", "2000", "--measure", "--json");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        JsonElement stream = Assert.Single(report.RootElement.GetProperty("streams").EnumerateArray());
        // The peer's kernel answers every echo request with the same data, signature included.
        Assert.Equal(2000, stream.GetProperty("tx_packets").GetInt64());
        Assert.Equal(2000, stream.GetProperty("rx_packets").GetInt64());
        Assert.Equal(0, stream.GetProperty("lost").GetInt64());
        Assert.Equal(0, stream.GetProperty("duplicates").GetInt64());
        JsonElement rtt = report.RootElement.GetProperty("rtt_us");
        Assert.True(rtt.GetProperty("p50").GetDouble() > 0);
        Assert.True(rtt.GetProperty("max").GetDouble() < 1_000_000, "a round trip on a veth took over a second");
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
    }

    [Fact]
    public void Measure_reports_the_round_trip_through_fastpath_respond()
    {
        // The peer's kernel steps aside: FastPath's own responder owns the peer end and answers the echo
        // requests in place (addresses swapped, the data and its signature untouched).
        using NetLab lab = NetLab.Create();
        using var responder = FastpathCli.Running.InPeerNamespace(lab, "respond", "--iface", lab.PeerInterface, "--ip", $"{lab.PeerIp}/{lab.PrefixLength}",
            "--driver", "afxdp", "--duration", "60s");
        Assert.True(responder.WaitForStderr("answering on", AttachTimeout), "fastpath respond did not say it was answering");
        var (exit, stdout, stderr) = FastpathCli.Run("gen", "--iface", lab.LocalInterface, "--driver", "afxdp", "--proto", "icmp", "--dst-mac", lab.PeerMac.ToString(),
            "--src-ip", lab.LocalIp.ToString(), "--dst-ip", lab.PeerIp.ToString(), "--rate", "20kpps", "--count", "2000", "--measure", "--json");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        JsonElement stream = Assert.Single(report.RootElement.GetProperty("streams").EnumerateArray());
        Assert.Equal(2000, stream.GetProperty("rx_packets").GetInt64());
        Assert.Equal(0, stream.GetProperty("lost").GetInt64());
        Assert.True(report.RootElement.GetProperty("rtt_us").GetProperty("p50").GetDouble() > 0);
    }

    [Fact]
    public void Rfc2544_finds_a_zero_loss_rate_per_frame_size_and_reports_its_latency()
    {
        using NetLab lab = NetLab.Create();
        // Both ends of the pair in the lab's namespace: the test sends on one and receives on the other. The
        // namespace's removal takes the pair with it.
        lab.RunInPeer("ip", "link", "set", "lo", "up");
        using (var move = System.Diagnostics.Process.Start(Requirements.Tool("ip", "iproute2"), ["link", "set", lab.LocalInterface, "netns", lab.Namespace]))
        {
            Assert.True(move.WaitForExit(30_000) && move.ExitCode == 0, "could not move the local end into the lab's namespace");
        }
        Assert.True(lab.RunInPeer("ip", "link", "set", lab.LocalInterface, "up").Succeeded);
        using var test = FastpathCli.Running.InPeerNamespace(lab, "rfc2544", "--iface", lab.LocalInterface, "--peer-iface", lab.PeerInterface, "--sizes", "64,512",
            "--trial", "500ms", "--settle", "100ms", "--resolution", "5", "--max-trials", "6", "--json");
        var (exit, stdout, stderr) = test.WaitForExit(TimeSpan.FromSeconds(120));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        JsonElement[] results = [.. report.RootElement.GetProperty("results").EnumerateArray()];
        Assert.Equal([64, 512], results.Select(r => r.GetProperty("frame_size").GetInt32()));
        foreach (JsonElement result in results)
        {
            double throughput = result.GetProperty("throughput_fps").GetDouble();
            Assert.True(throughput > 0, $"no rate passed: {result}");
            JsonElement[] trials = [.. result.GetProperty("trial_results").EnumerateArray()];
            Assert.InRange(trials.Length, 1, 6);
            // The reported rate is one that passed: every frame of that trial arrived.
            JsonElement best = trials.Where(t => t.GetProperty("passed").GetBoolean()).MaxBy(t => t.GetProperty("sent").GetInt64());
            Assert.Equal(best.GetProperty("sent").GetInt64(), best.GetProperty("received").GetInt64());
            Assert.True(result.GetProperty("latency_us").GetProperty("p50").GetDouble() > 0);
        }
        Assert.Contains("64 bytes: offered", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Sink_counts_what_the_kernel_peer_sends(string driver)
    {
        using NetLab lab = NetLab.Create();
        using var sink = new FastpathCli.Running("sink", "--iface", lab.LocalInterface, "--driver", driver, "--count", "50", "--duration", "30s", "--json");
        WaitUntilReady(sink);
        SendFromPeer(lab, 50);

        var (exit, stdout, stderr) = sink.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal(50, report.RootElement.GetProperty("rx_packets").GetInt64());
        Assert.Equal(50 * (14 + 20 + 8 + 32), report.RootElement.GetProperty("rx_bytes").GetInt64());
        Assert.Equal(driver, report.RootElement.GetProperty("driver").GetString());
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
    }

    [Fact]
    public void Sigterm_stops_the_sink_which_prints_its_totals_and_detaches()
    {
        using NetLab lab = NetLab.Create();
        using var sink = new FastpathCli.Running("sink", "--iface", lab.LocalInterface, "--driver", "afxdp", "--duration", "120s", "--json");
        WaitUntilReady(sink);
        SendFromPeer(lab, 20);
        Thread.Sleep(500);
        sink.Signal(15);

        var (exit, stdout, stderr) = sink.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal(20, report.RootElement.GetProperty("rx_packets").GetInt64());
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface), "SIGTERM left an XDP program attached");
    }

    [Fact]
    public void Sigkill_leaves_no_xdp_program_behind()
    {
        using NetLab lab = NetLab.Create();
        using var sink = new FastpathCli.Running("sink", "--iface", lab.LocalInterface, "--driver", "afxdp", "--duration", "120s");
        WaitUntilReady(sink);
        sink.Process.Kill();
        sink.WaitForExit(TimeSpan.FromSeconds(30));

        // The BPF link is released when the kernel closes the dead process's descriptors; allow it a moment.
        bool attached = true;
        for (int i = 0; i < 50 && attached; i++)
        {
            attached = NetLab.HasXdpProgram(lab.LocalInterface);
            if (attached) Thread.Sleep(100);
        }
        Assert.False(attached, "SIGKILL left an XDP program attached");
    }

    [Fact]
    public void Auto_picks_afxdp_where_it_can_attach()
    {
        using NetLab lab = NetLab.Create();
        var (exit, stdout, stderr) = FastpathCli.Run("sink", "--iface", lab.LocalInterface, "--driver", "auto", "--duration", "300ms", "--json");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal("afxdp", report.RootElement.GetProperty("driver").GetString());
        Assert.Equal(0, report.RootElement.GetProperty("rx_packets").GetInt64());
    }

    [Fact]
    public void Auto_falls_back_to_afpacket_and_says_why_when_xdp_is_not_allowed()
    {
        using NetLab lab = NetLab.Create();
        // Root without CAP_BPF and CAP_SYS_ADMIN (and CAP_PERFMON): AF_PACKET is allowed, loading an XDP program is not.
        var (exit, stdout, stderr) = RunWithoutCapabilities("-bpf,-sys_admin,-perfmon",
            "sink", "--iface", lab.LocalInterface, "--driver", "auto", "--duration", "300ms", "--json");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal("afpacket", report.RootElement.GetProperty("driver").GetString());
        Assert.Contains("EPERM", report.RootElement.GetProperty("fallback_reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("AF_XDP not used", stderr, StringComparison.Ordinal);
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
    }

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    [InlineData("auto")]
    public void Without_the_capabilities_a_driver_needs_the_error_is_one_line_and_exit_2(string driver)
    {
        using NetLab lab = NetLab.Create();
        var (exit, stdout, stderr) = RunWithoutCapabilities("-net_raw,-net_admin,-bpf,-sys_admin,-perfmon",
            "sink", "--iface", lab.LocalInterface, "--driver", driver, "--duration", "300ms");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"needs CAP_NET_RAW \(or root\) .*; this process lacks CAP_NET_RAW \(", stderr);
    }

    [Theory]
    [InlineData("gen", "--iface", "fpnosuch0", "--src-ip", "10.0.0.1", "--dst-ip", "10.0.0.2", "--count", "1")]
    [InlineData("sink", "--iface", "fpnosuch0", "--count", "1")]
    [InlineData("gen", "--iface", "lo", "--src-ip", "10.0.0.1", "--dst-ip", "10.0.0.2")]
    [InlineData("gen", "--iface", "lo", "--src-ip", "10.0.0.256", "--dst-ip", "10.0.0.2", "--count", "1")]
    [InlineData("gen", "--iface", "lo", "--src-ip", "10.0.0.1", "--dst-ip", "10.0.0.2", "--count", "1", "--size", "59")]
    [InlineData("gen", "--iface", "lo", "--src-ip", "10.0.0.1", "--dst-ip", "10.0.0.2", "--count", "1", "--driver", "dpdk")]
    [InlineData("sink", "--iface", "lo", "--count", "1", "--cores", "3-1")]
    [InlineData("sink", "--iface", "lo", "--duration", "soon")]
    [InlineData("rfc2544", "--iface", "lo", "--peer-iface", "lo", "--sizes", "64,abc")]
    [InlineData("rfc2544", "--iface", "lo", "--peer-iface", "lo", "--sizes", "64,99999999999")]
    public void Bad_input_is_one_line_and_exit_2(params string[] args)
    {
        // None of these reaches a driver: each is refused before any socket is opened, so nothing is sent on lo.
        var (exit, stdout, stderr) = FastpathCli.Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fastpath: ", stderr, StringComparison.Ordinal);
    }

    /// <summary>Waits for the "receiving on" line the sink prints once its port is attached and bound.</summary>
    private static void WaitUntilReady(FastpathCli.Running process) =>
        Assert.True(process.WaitForStderr("receiving on", AttachTimeout), $"fastpath did not say it was receiving within {AttachTimeout}");

    /// <summary>Runs fastpath as root with capabilities removed from its bounding set (setpriv, util-linux): what an unprivileged user meets.</summary>
    private static (int Exit, string Stdout, string Stderr) RunWithoutCapabilities(string dropped, params string[] args) =>
        FastpathCli.Run(FastpathCli.StartInfoVia(Requirements.Tool("setpriv", "util-linux"), ["--bounding-set", dropped, "--"], args));

    private static void SendFromPeer(NetLab lab, int count)
    {
        lab.InNamespace(() =>
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(lab.PeerEndPoint(0));
            var payload = new byte[32];
            for (int i = 0; i < count; i++) udp.SendTo(payload, new IPEndPoint(IPAddress.Parse(lab.LocalIp.ToString()), 9));
        });
    }

    private static int DrainDatagrams(Socket peer, int expectedLength)
    {
        var buffer = new byte[2048];
        int datagrams = 0;
        peer.ReceiveTimeout = 500;
        try
        {
            while (true)
            {
                int length = peer.Receive(buffer);
                Assert.Equal(expectedLength, length);
                datagrams++;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            return datagrams;
        }
    }

    private static (long Received, long Dropped) PeerCounters(NetLab lab)
    {
        CommandResult result = lab.RunInPeer("ip", "-j", "-s", "link", "show", "dev", lab.PeerInterface);
        Assert.True(result.Succeeded, result.Error);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement rx = json.RootElement[0].GetProperty("stats64").GetProperty("rx");
        return (rx.GetProperty("packets").GetInt64(), rx.GetProperty("dropped").GetInt64());
    }
}
