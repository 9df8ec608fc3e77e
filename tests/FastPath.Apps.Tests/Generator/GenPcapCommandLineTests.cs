using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using FastPath.Engine.Pcap;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Generator;

/// <summary>
/// `fastpath gen` writing to a capture file (no root, no interface): every frame of every protocol and size
/// mix is accepted by tshark with its checksums checked; a replay is byte-exact; rates hold per stream; the
/// progress lines and the plot are there.
/// </summary>
public sealed class GenPcapCommandLineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fastpath-gen-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("udp", "60")]
    [InlineData("udp", "imix")]
    [InlineData("udp", "61-99")]
    [InlineData("tcp-syn", "60")]
    [InlineData("tcp-syn", "imix")]
    [InlineData("tcp-syn", "61-99")]
    [InlineData("icmp", "60")]
    [InlineData("icmp", "imix")]
    [InlineData("icmp", "61-99")]
    [InlineData("raw", "60")]
    [InlineData("raw", "imix")]
    [InlineData("raw", "61-99")]
    public void Tshark_accepts_every_frame_with_no_checksum_or_malformed_warning(string protocol, string size)
    {
        string tshark = Requirements.Tool("tshark", "tshark");
        string file = Path.Combine(_folder, $"{protocol}-{size}.pcap");
        string flows = protocol == "raw" ? "1" : "37";
        // Source ports from 40000: flows over well-known ports would have tshark decode the zero payload
        // as daytime or WINS and complain about that application's format, not about our frames.
        var (exit, _, stderr) = FastpathCli.Run("gen", "--pcap-out", file, "--proto", protocol, "--size", size, "--flows", flows, "--src-port", "40000", "--random", "--seed", "5",
            "--src-ip", "10.0.0.250-10.0.1.9", "--dst-ip", "192.168.1.1-192.168.1.3", "--count", "3000");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");

        // One line per frame: the checksum verdicts (1 = good; empty where the layer is absent) and the
        // severities of any expert info (warnings and errors are >= 0x600000; a SYN is only "chat").
        string output = RunTshark(tshark, file,
        [
            "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
            "-T", "fields", "-E", "separator=;", "-e", "frame.number", "-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "tcp.checksum.status",
            "-e", "icmp.checksum.status", "-e", "_ws.expert.severity", "-e", "_ws.malformed", "-e", "frame.protocols",
        ]);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3000, lines.Length);
        string layer = protocol switch { "udp" => "udp", "tcp-syn" => "tcp", "icmp" => "icmp", _ => "data" };
        foreach (string line in lines)
        {
            string[] fields = line.Split(';');
            Assert.Equal("1", fields[1]);
            string l4 = protocol switch { "udp" => fields[2], "tcp-syn" => fields[3], "icmp" => fields[4], _ => "1" };
            Assert.True(l4 == "1", $"frame {fields[0]}: transport checksum status '{l4}': {line}");
            foreach (string severity in fields[5].Split(',', StringSplitOptions.RemoveEmptyEntries))
                Assert.True(int.Parse(severity, CultureInfo.InvariantCulture) < 0x600000, $"frame {fields[0]}: expert info of severity {severity}: {line}");
            Assert.Equal("", fields[6]);
            Assert.Contains(layer, fields[7], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_replay_to_a_capture_is_byte_exact_and_loops()
    {
        string original = Path.Combine(_folder, "original.pcap");
        string replayed = Path.Combine(_folder, "replayed.pcap");
        var (exit, _, stderr) = FastpathCli.Run("gen", "--pcap-out", original, "--size", "imix", "--flows", "9", "--src-ip", "10.0.0.1-10.0.0.7", "--dst-ip", "10.0.1.1", "--count", "2000");
        Assert.True(exit == 0, stderr);
        (exit, string stdout, stderr) = FastpathCli.Run("gen", "--pcap", original, "--pcap-out", replayed, "--rate", "max", "--loop", "3", "--json");
        Assert.True(exit == 0, stderr);
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal(6000, report.RootElement.GetProperty("tx_packets").GetInt64());

        List<byte[]> frames = ReadFrames(original);
        List<byte[]> copies = ReadFrames(replayed);
        Assert.Equal(3 * frames.Count, copies.Count);
        for (int i = 0; i < copies.Count; i++) Assert.Equal(frames[i % frames.Count], copies[i]);
    }

    [Fact]
    public void A_replay_at_the_captures_own_timing_keeps_every_frame_and_its_order()
    {
        string corpus = Path.Combine(RepoPaths.Root, "tests", "corpus", "vectors", "seed-frames.pcap");
        string replayed = Path.Combine(_folder, "seed.pcap");
        // The seed capture spans two seconds between its three frames: a replay at its timing takes as long.
        var (exit, stdout, stderr) = FastpathCli.Run("gen", "--pcap", corpus, "--pcap-out", replayed, "--json");
        Assert.True(exit == 0, stderr);
        Assert.Equal(ReadFrames(corpus), ReadFrames(replayed));
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.True(report.RootElement.GetProperty("seconds").GetDouble() >= 1.9, "the replay did not keep the capture's gaps");
    }

    [Fact]
    public void Streams_from_a_file_each_get_their_own_rate()
    {
        string streams = Path.Combine(_folder, "streams.json");
        File.WriteAllText(streams, """
            { "streams": [
              { "id": 3, "rate": "3kpps", "size": "imix", "flows": 4 },
              { "id": 8, "proto": "icmp", "rate": "1kpps", "dst_ip": "10.9.9.1-10.9.9.4" } ] }
            """);
        var (exit, stdout, stderr) = FastpathCli.Run("gen", "--pcap-out", Path.Combine(_folder, "two.pcap"), "--streams", streams,
            "--src-ip", "10.0.0.1", "--dst-ip", "10.0.0.2", "--duration", "2s", "--json");
        Assert.True(exit == 0, stderr);
        using JsonDocument report = JsonDocument.Parse(stdout);
        JsonElement[] perStream = [.. report.RootElement.GetProperty("streams").EnumerateArray()];
        Assert.Equal([3, 8], perStream.Select(s => s.GetProperty("id").GetInt32()));
        // The schedule, not a sleep: exactly what fell due in the 2 s went out (to one frame of rounding).
        Assert.InRange(perStream[0].GetProperty("tx_packets").GetInt64(), 5999, 6001);
        Assert.InRange(perStream[1].GetProperty("tx_packets").GetInt64(), 1999, 2001);
    }

    [Fact]
    public void Progress_lines_go_to_stderr_and_the_plot_is_an_svg_chart()
    {
        string plot = Path.Combine(_folder, "run.svg");
        var (exit, _, stderr) = FastpathCli.Run("gen", "--pcap-out", Path.Combine(_folder, "p.pcap"), "--src-ip", "10.0.0.1", "--dst-ip", "10.0.0.2",
            "--rate", "5kpps", "--duration", "2.5s", "--progress", "--plot", plot);
        Assert.True(exit == 0, stderr);
        string[] progress = stderr.Split('\n').Where(line => line.StartsWith("fastpath gen:", StringComparison.Ordinal)).ToArray();
        Assert.True(progress.Length >= 2, $"progress lines: {stderr}");
        Assert.All(progress, line => Assert.Contains(" tx ", line, StringComparison.Ordinal));
        XDocument svg = XDocument.Load(plot);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", svg.Root!.Name);
        Assert.NotEmpty(svg.Descendants(ns + "polyline"));
    }

    [Theory]
    [InlineData("--rate", "fast")]
    [InlineData("--rate", "-5kpps")]
    [InlineData("--size", "99-60")]
    [InlineData("--size", "jumbo")]
    [InlineData("--proto", "sctp")]
    [InlineData("--flows", "0")]
    [InlineData("--src-ip", "10.0.0.9-10.0.0.1")]
    [InlineData("--size", "1515")]
    [InlineData("--src-port", "65000", "--flows", "1000")]
    [InlineData("--proto", "raw", "--flows", "2")]
    [InlineData("--iface", "lo")]
    [InlineData("--cores", "0-1")]
    [InlineData("--loop", "-1")]
    [InlineData("--stats-json", "/tmp/fastpath-gen-pcap-out-stats.jsonl")]
    public void Bad_input_is_one_line_and_exit_2(params string[] extra)
    {
        string[] args = ["gen", "--pcap-out", Path.Combine(_folder, "bad.pcap"), "--src-ip", "10.0.0.1", "--dst-ip", "10.0.0.2", "--count", "1", .. extra];
        var (exit, stdout, stderr) = FastpathCli.Run(args);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fastpath: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_streams_file_with_an_unknown_key_is_refused()
    {
        string streams = Path.Combine(_folder, "typo.json");
        File.WriteAllText(streams, """[{ "rate": "1kpps", "szie": 64 }]""");
        var (exit, _, stderr) = FastpathCli.Run("gen", "--pcap-out", Path.Combine(_folder, "x.pcap"), "--streams", streams, "--src-ip", "10.0.0.1", "--dst-ip", "10.0.0.2", "--count", "1");
        Assert.Equal(2, exit);
        Assert.Contains("unknown key \"szie\"", stderr, StringComparison.Ordinal);
    }

    private string RunTshark(string tshark, string file, string[] arguments)
    {
        var start = new ProcessStartInfo(tshark) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["HOME"] = _folder; // keep tshark's profile and its warnings out of the real home
        start.ArgumentList.Add("-r");
        start.ArgumentList.Add(file);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "tshark did not finish in 120 s");
        Assert.True(process.ExitCode == 0, $"tshark exited {process.ExitCode}: {stderr.Result}");
        return stdout;
    }

    private static List<byte[]> ReadFrames(string path)
    {
        using PcapReader reader = PcapReader.Open(path);
        var frames = new List<byte[]>();
        while (reader.TryReadNext(out PcapRecord record)) frames.Add(record.Data.ToArray());
        return frames;
    }
}
