using System.Globalization;
using System.Text.Json;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Lab;

/// <summary>
/// `fastpath lab` end to end, as CI runs it: the real binary builds its lab, runs every phase with real
/// programs, prints its report and leaves no namespace, link or XDP program behind, also when stopped.
/// </summary>
public sealed class LabCommandTests
{
    [Fact]
    public void The_lab_runs_end_to_end_with_sane_figures_and_leaves_nothing_behind()
    {
        Requirements.Root();
        Requirements.Tool("ping", "iputils-ping");
        Requirements.Tool("setpriv", "util-linux");
        var (exit, stdout, stderr) = FastpathCli.Run("lab", "--seconds", "1", "--json");
        Assert.True(exit == 0, $"exit {exit}: {stdout}{stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        JsonElement root = report.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean(), stdout);
        string lab = root.GetProperty("lab").GetString()!;

        JsonElement[] ping = [.. root.GetProperty("ping").EnumerateArray()];
        Assert.Equal(["fastpath ping -> fastpath respond", "kernel ping -> fastpath respond", "kernel ping -> kernel"],
            ping.Select(row => $"{row.GetProperty("pinger").GetString()} -> {row.GetProperty("responder").GetString()}"));
        foreach (JsonElement row in ping)
        {
            Assert.Equal(JsonValueKind.Null, row.GetProperty("error").ValueKind);
            // One request a millisecond for a second. A veth loses nothing, so every request sent is answered;
            // how many the pinger gets out is its own business on a loaded machine (a timing matter), but the
            // lab asks for 1000.
            long transmitted = row.GetProperty("transmitted").GetInt64();
            Assert.InRange(transmitted, 100, 1000);
            Assert.Equal(transmitted, row.GetProperty("received").GetInt64());
            Assert.Equal(0, row.GetProperty("loss_percent").GetDouble());
            JsonElement rtt = row.GetProperty("rtt_us");
            double[] ordered = [.. new[] { "min", "p50", "p90", "p99", "p999", "max" }.Select(name => rtt.GetProperty(name).GetDouble())];
            Assert.True(ordered[0] > 0, $"min {ordered[0]}");
            for (int i = 1; i < ordered.Length; i++) Assert.True(ordered[i] >= ordered[i - 1] * 0.99, $"rtt_us out of order: {rtt}");
            Assert.True(ordered[1] < 1_000_000, $"a median round trip of a second on a veth: {rtt}");
        }

        JsonElement traffic = root.GetProperty("traffic");
        Assert.Equal(JsonValueKind.Null, traffic.GetProperty("error").ValueKind);
        long tx = traffic.GetProperty("tx_packets").GetInt64();
        long rx = traffic.GetProperty("rx_packets").GetInt64();
        Assert.True(rx > 1000 && rx <= tx, $"sent {tx}, received {rx}");
        Assert.Equal(Math.Round(Math.Max(0, tx - rx) * 100.0 / tx, 3), traffic.GetProperty("loss_percent").GetDouble(), 3);
        double pps = traffic.GetProperty("rx_pps").GetDouble();
        int frame = traffic.GetProperty("frame_size").GetInt32();
        Assert.Equal(60, frame);
        // Gbit/s on the wire: each frame plus 24 bytes (preamble, delimiter, FCS, gap), as the sink counts.
        Assert.Equal(pps * (frame + 24) * 8 / 1e9, traffic.GetProperty("rx_gbps").GetDouble(), 3);

        JsonElement fanout = root.GetProperty("fanout");
        if (fanout.GetProperty("available").GetBoolean())
        {
            Assert.Equal(JsonValueKind.Null, fanout.GetProperty("error").ValueKind);
            long sent = fanout.GetProperty("sent").GetInt64();
            Assert.True(sent > 0);
            long[] delivered = [.. fanout.GetProperty("delivered").EnumerateArray().Select(count => count.GetInt64())];
            long[] copies = [.. fanout.GetProperty("copies_sent").EnumerateArray().Select(count => count.GetInt64())];
            Assert.Equal(3, delivered.Length);
            Assert.Equal(3, copies.Length);
            // Each receiver sees only its own copies (the bridge keeps the group's originals from it): never
            // more than was sent, never a duplicate, never more than the fan-out says it sent there.
            for (int i = 0; i < 3; i++) Assert.InRange(delivered[i], 1, Math.Min(sent, copies[i]));
            Assert.Equal(0, fanout.GetProperty("duplicates").GetInt64());
            Assert.Equal(0, fanout.GetProperty("reordered").GetInt64());
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(fanout.GetProperty("error").GetString()));
        }

        AssertNothingLeft(lab.Split('-')[0]);
    }

    [Fact]
    public void The_table_has_a_row_per_phase()
    {
        Requirements.Root();
        Requirements.Tool("ping", "iputils-ping");
        Requirements.Tool("setpriv", "util-linux");
        var (exit, stdout, stderr) = FastpathCli.Run("lab", "--seconds", "0.5");
        Assert.True(exit == 0, $"exit {exit}: {stdout}{stderr}");
        string[] lines = stdout.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^fastpath lab \d+-\d+: ", lines[0]);
        Assert.Equal("", lines[1]);
        Assert.Matches(@"^test +packets +loss +rate +p50 us +p90 us +p99 us +p99\.9 us$", lines[2]);
        Assert.Matches(@"^rtt: fastpath ping -> fastpath respond +500 +0\.00% +\d+\.\d +\d+\.\d +\d+\.\d +\d+\.\d$", lines[3]);
        Assert.Matches(@"^rtt: kernel ping -> fastpath respond +500 +0\.00% +\d+\.\d +\d+\.\d +\d+\.\d +\d+\.\d$", lines[4]);
        Assert.Matches(@"^rtt: kernel ping -> kernel +500 +0\.00% +\d+\.\d +\d+\.\d +\d+\.\d +\d+\.\d$", lines[5]);
        Assert.Matches(@"^traffic: fastpath gen -> fastpath sink +\d+ +\d+\.\d\d% +\d+\.\d kpps \d+\.\d{3} Gbit/s", lines[6]);
        Assert.StartsWith("fan-out: 1 group -> 3 receivers", lines[7], StringComparison.Ordinal);
        Assert.Equal(8, lines.Length);
    }

    [Theory]
    [InlineData(15, 143)]
    [InlineData(2, 130)]
    public void A_signal_mid_run_removes_the_lab_and_every_program(int signal, int expectedExit)
    {
        Requirements.Root();
        Requirements.Tool("ping", "iputils-ping");
        Requirements.Tool("setpriv", "util-linux");
        using var lab = new FastpathCli.Running("lab", "--seconds", "5");
        Assert.True(lab.WaitForStderr("round trips: fastpath ping", TimeSpan.FromSeconds(60)), "the lab never reached its first phase");
        Thread.Sleep(1000); // fastpath respond and fastpath ping are both running in the lab now
        string pid = lab.Process.Id.ToString(CultureInfo.InvariantCulture);
        string[] namespaces = [.. Ip("netns", "list").Split('\n').Select(line => line.Split(' ')[0]).Where(name => name.StartsWith($"fplab-{pid}-", StringComparison.Ordinal))];
        Assert.NotEmpty(namespaces);
        string[] children = [.. namespaces.SelectMany(ns => Ip("netns", "pids", ns).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        Assert.NotEmpty(children);
        lab.Signal(signal);
        var (exit, stdout, stderr) = lab.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(exit == expectedExit, $"exit {exit}: {stdout}{stderr}");
        Assert.Contains("the lab was removed", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
        AssertNothingLeft(pid);
        Assert.All(children, child => Assert.False(Directory.Exists($"/proc/{child}"), $"process {child} of the lab still runs"));
    }

    [Fact]
    public void Not_root_is_one_line_saying_what_it_needs_and_exit_2()
    {
        string setpriv = Requirements.Tool("setpriv", "util-linux");
        Requirements.Root();
        // nobody, with no groups: what a user who forgot sudo is.
        var start = FastpathCli.StartInfoVia(setpriv, ["--reuid", "65534", "--regid", "65534", "--clear-groups", "--"], "lab");
        start.Environment["HOME"] = "/tmp";
        start.Environment["DOTNET_CLI_HOME"] = "/tmp";
        var (exit, stdout, stderr) = FastpathCli.Run(start);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fastpath: lab: needs root", line, StringComparison.Ordinal);
        Assert.Contains("sudo ./fastpath lab", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--seconds", "0")]
    [InlineData("--seconds", "x")]
    [InlineData("--bogus")]
    public void Bad_input_is_one_line_and_exit_2(params string[] args)
    {
        var (exit, stdout, stderr) = FastpathCli.Run(["lab", .. args]);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fastpath: ", stderr, StringComparison.Ordinal);
    }

    /// <summary>No namespace or link named after the lab's process, and no XDP program on any link of this namespace that the lab could have made.</summary>
    private static void AssertNothingLeft(string pid)
    {
        Assert.DoesNotContain($"fplab-{pid}-", Ip("netns", "list"), StringComparison.Ordinal);
        string links = Ip("-o", "-d", "link", "show");
        Assert.DoesNotContain($" l{pid}-", links, StringComparison.Ordinal);
        Assert.DoesNotContain(links.Split('\n'), line => line.Contains($"l{pid}-", StringComparison.Ordinal) && line.Contains("xdp", StringComparison.Ordinal));
        // Nothing the lab started survives it: no process of ours is left in a lab namespace.
        Assert.DoesNotContain(Ip("netns", "list").Split('\n'), line => line.StartsWith($"fplab-{pid}", StringComparison.Ordinal));
    }

    private static string Ip(params string[] args) => global::FastPath.Apps.Lab.LabCommand.Check(Requirements.Tool("ip", "iproute2"), args, TimeSpan.FromSeconds(30)).Output;
}
