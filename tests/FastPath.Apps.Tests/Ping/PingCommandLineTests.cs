using System.Text.Json;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Ping;

/// <summary>
/// `fastpath ping` against the kernel's stack in a veth lab, and iputils ping against `fastpath respond`: the
/// output of both parsed line by line in iputils' format, the counts checked against each other.
/// </summary>
public sealed class PingCommandLineTests
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Fastpath_ping_gets_every_reply_from_the_kernel_in_iputils_format(string driver)
    {
        // No static neighbour: our stack must answer the kernel's ARP for the replies to come back.
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        string host = lab.PeerIp.ToString();
        var (exit, stdout, stderr) = FastpathCli.Run("ping", host, "--iface", lab.LocalInterface, "--driver", driver,
            "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "-c", "5", "-i", "0.05");
        Assert.True(exit == 0, $"exit {exit}: {stdout}{stderr}");

        PingOutputFormat output = PingOutputFormat.Parse(stdout, host, fastpath: true);
        Assert.Equal($"PING {host} ({host}) 56(84) bytes of data.", output.Header);
        Assert.Equal([1, 2, 3, 4, 5], output.Replies.Select(r => r.Sequence));
        Assert.All(output.Replies, r => Assert.Equal((64, host, 64, false), (r.Bytes, r.From, r.Ttl, r.Duplicate)));
        Assert.Equal((5, 5, 0.0), (output.Transmitted, output.Received, output.LossPercent));
        output.AssertConsistent();
        // Sane: under a second each (the first includes our ARP request and the kernel's), and the run took
        // at least the four intervals between five requests.
        Assert.InRange(output.Rtt!.Value.Max, 0.001, 1000);
        Assert.InRange(output.TimeMilliseconds, 190, 10_000);
        Assert.Contains($"({driver}", stderr, StringComparison.Ordinal);
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
    }

    [Fact]
    public void Flood_with_json_reports_every_field_and_no_loss()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        var (exit, stdout, stderr) = FastpathCli.Run("ping", lab.PeerIp.ToString(), "--iface", lab.LocalInterface,
            "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "-c", "2000", "-f", "--json");
        Assert.True(exit == 0, $"exit {exit}: {stdout}{stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        JsonElement root = report.RootElement;
        Assert.Equal(2000, root.GetProperty("transmitted").GetInt64());
        Assert.Equal(2000, root.GetProperty("received").GetInt64());
        Assert.Equal(0, root.GetProperty("duplicates").GetInt64());
        Assert.Equal(0, root.GetProperty("loss_percent").GetDouble());
        Assert.True(root.GetProperty("flood").GetBoolean());
        double seconds = root.GetProperty("seconds").GetDouble();
        Assert.InRange(seconds, 1e-6, 60);
        JsonElement rtt = root.GetProperty("rtt_us");
        double[] ordered = [.. new[] { "min", "p50", "p90", "p99", "p999", "max" }.Select(name => rtt.GetProperty(name).GetDouble())];
        Assert.True(ordered[0] > 0, $"min {ordered[0]}");
        for (int i = 1; i < ordered.Length; i++) Assert.True(ordered[i] >= ordered[i - 1] * 0.99, $"rtt_us out of order: {rtt}");
        Assert.InRange(rtt.GetProperty("avg").GetDouble(), ordered[0], ordered[^1]);
        Assert.True(rtt.GetProperty("mdev").GetDouble() >= 0);
        // 2000 round trips one after the other cannot take less than 2000 times the fastest.
        Assert.True(seconds * 1e6 >= 2000 * ordered[0] * 0.99, $"{seconds} s for 2000 round trips of at least {ordered[0]} us");
        Assert.Equal(lab.LocalInterface, root.GetProperty("interface").GetString());
    }

    [Fact]
    public void Iputils_ping_gets_every_reply_from_fastpath_respond()
    {
        string ping = Requirements.Tool("ping", "iputils-ping");
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var respond = new FastpathCli.Running("respond", "--iface", lab.LocalInterface,
            "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "--duration", "60s");
        Assert.True(respond.WaitForStderr("answering on", ReadyTimeout), "respond did not start");

        string host = lab.LocalIp.ToString();
        CommandResult result = lab.RunInPeer(ping, "-c", "10", "-i", "0.05", "-W", "2", host);
        Assert.True(result.Succeeded, result.ToString());
        PingOutputFormat output = PingOutputFormat.Parse(result.Output, host, fastpath: false);
        Assert.Equal((10, 10, 0.0), (output.Transmitted, output.Received, output.LossPercent));
        Assert.Equal(Enumerable.Range(1, 10), output.Replies.Select(r => r.Sequence));
        Assert.All(output.Replies, r => Assert.Equal((64, host, 64), (r.Bytes, r.From, r.Ttl)));
        output.AssertConsistent();
    }

    [Fact]
    public void No_reply_is_100_percent_loss_and_exit_1()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        // Nobody has .99: ARP goes unanswered, so no request ever leaves and none is answered.
        string host = $"{lab.PeerIp.ToString()[..lab.PeerIp.ToString().LastIndexOf('.')]}.99";
        var (exit, stdout, stderr) = FastpathCli.Run("ping", host, "--iface", lab.LocalInterface,
            "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "-c", "2", "-i", "0.2", "-W", "1");
        Assert.True(exit == 1, $"exit {exit}: {stdout}{stderr}");
        PingOutputFormat output = PingOutputFormat.Parse(stdout, host, fastpath: true);
        Assert.Equal((2, 0, 100.0), (output.Transmitted, output.Received, output.LossPercent));
        Assert.Null(output.Rtt);
        output.AssertConsistent();
    }

    [Fact]
    public void No_reply_with_json_is_exit_1_and_null_round_trips()
    {
        using NetLab lab = NetLab.Create();
        string host = $"{lab.PeerIp.ToString()[..lab.PeerIp.ToString().LastIndexOf('.')]}.99";
        var (exit, stdout, _) = FastpathCli.Run("ping", host, "--iface", lab.LocalInterface,
            "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "-c", "1", "-W", "0.5", "--json");
        Assert.Equal(1, exit);
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal((1, 0, 100.0), (report.RootElement.GetProperty("transmitted").GetInt64(), report.RootElement.GetProperty("received").GetInt64(),
            report.RootElement.GetProperty("loss_percent").GetDouble()));
        Assert.Equal(JsonValueKind.Null, report.RootElement.GetProperty("rtt_us").ValueKind);
    }

    [Fact]
    public void Sigint_stops_an_endless_ping_with_the_summary()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        string host = lab.PeerIp.ToString();
        using var ping = new FastpathCli.Running("ping", host, "--iface", lab.LocalInterface, "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "-i", "0.02");
        Assert.True(ping.WaitForStderr("pinging on", ReadyTimeout), "ping did not start");
        Thread.Sleep(500);
        ping.Signal(2);
        var (exit, stdout, stderr) = ping.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"exit {exit}: {stdout}{stderr}");
        PingOutputFormat output = PingOutputFormat.Parse(stdout, host, fastpath: true);
        Assert.True(output.Received >= 2, stdout);
        // The request in flight when the signal came may be unanswered.
        Assert.InRange(output.Transmitted - output.Received, 0, 1);
        output.AssertConsistent();
    }

    [Theory]
    [InlineData("10.0.0.300")]
    [InlineData("no-such-host.invalid")]
    [InlineData("10.0.0.2", "-s", "70000")]
    [InlineData("10.0.0.2", "-t", "0")]
    [InlineData("10.0.0.2", "-c", "-1")]
    [InlineData("10.0.0.2", "-i", "-1")]
    [InlineData("10.0.0.2", "-W", "0")]
    [InlineData("10.0.0.2", "--ip", "10.0.0.1")]
    [InlineData("192.0.2.1")]
    [InlineData("10.0.0.2", "--bogus")]
    [InlineData("10.0.0.2", "--iface", "nosuchif0")]
    public void Bad_input_is_one_line_and_exit_2(string host, params string[] more)
    {
        string[] args = ["ping", host, .. more];
        if (!more.Contains("--ip")) args = [.. args, "--ip", "10.0.0.1/24"];
        if (!more.Contains("--iface")) args = [.. args, "--iface", "lo"];
        var (exit, stdout, stderr) = FastpathCli.Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fastpath: ", stderr, StringComparison.Ordinal);
    }
}
