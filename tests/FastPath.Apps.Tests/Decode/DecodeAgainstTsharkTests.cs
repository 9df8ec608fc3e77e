using System.Diagnostics;
using System.Globalization;
using FastPath.Apps.Decode;
using FastPath.Engine.Pcap;
using FastPath.TestKit;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Tests.Decode;

/// <summary>
/// The decoder and Wireshark read the same capture and must agree on every field and checksum verdict:
/// tshark is the independent peer, our frames are built by our own emitters.
/// </summary>
public sealed class DecodeAgainstTsharkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fastpath-decode-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<byte[]> Frames()
    {
        var badUdp = TestFrames.Udp("hello"u8.ToArray(), 5000, 6000);
        badUdp[^1] ^= 0xFF; // corrupt the payload under a checksum
        var badIp = TestFrames.Udp(new byte[10]);
        badIp[14 + 10] ^= 0x10;
        return
        [
            RepoPaths.ReadHex("vectors/arp-request.hex"),
            RepoPaths.ReadHex("vectors/arp-reply.hex"),
            RepoPaths.ReadHex("vectors/tftp-rrq.hex"),
            TestFrames.TcpSyn(40001, 443, 0xDEADBEEF),
            TestFrames.IcmpEcho(0x1c2d, 7, Enumerable.Range(0, 56).Select(i => (byte)i).ToArray()),
            TestFrames.IgmpV2Report(Ipv4Address.Parse("239.1.2.3")),
            TestFrames.Udp(new byte[300], 1234, 53, new VlanTag(100, priority: 5)),
            badUdp,
            badIp,
        ];
    }

    [Fact]
    public void FieldsAndChecksumVerdictsMatchTshark()
    {
        string tshark = Requirements.Tool("tshark", "tshark");
        string pcap = Path.Combine(_dir, "frames.pcap");
        var frames = Frames();
        using (var writer = PcapWriter.Create(pcap))
        {
            foreach (var frame in frames) writer.Write(frame, PcapTimestamp.FromUnixNanoseconds(1_700_000_000_000_000_000));
        }

        string[] fields =
        [
            "eth.src", "eth.dst", "vlan.id", "arp.opcode", "arp.src.proto_ipv4", "ip.src", "ip.dst", "ip.ttl", "ip.id", "ip.checksum",
            "ip.checksum.status", "udp.srcport", "udp.dstport", "udp.length", "udp.checksum", "udp.checksum.status", "tcp.srcport",
            "tcp.dstport", "tcp.seq_raw", "tcp.window_size_value", "tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.options.timestamp.tsval",
            "tcp.checksum.status", "icmp.type", "icmp.ident", "icmp.seq", "icmp.checksum.status", "igmp.type", "igmp.maddr", "igmp.checksum.status",
        ];
        var rows = RunTshark(tshark, pcap, fields);
        Assert.Equal(frames.Count, rows.Count);

        for (int i = 0; i < frames.Count; i++)
        {
            var decoded = FrameDecoder.Decode(frames[i], i);
            var row = rows[i];
            string Field(string name) => row[Array.IndexOf(fields, name)];

            Assert.Equal(Field("eth.src"), decoded.Layer("eth")!["src"]);
            Assert.Equal(Field("eth.dst"), decoded.Layer("eth")!["dst"]);
            AssertSame(Field("vlan.id"), decoded.Layer("vlan")?["id"]);
            AssertSame(Field("arp.opcode"), decoded.Layer("arp")?["operation"]);
            AssertSame(Field("arp.src.proto_ipv4"), decoded.Layer("arp")?["sender_ip"]);

            var ip = decoded.Layer("ipv4");
            AssertSame(Field("ip.src"), ip?["src"]);
            AssertSame(Field("ip.dst"), ip?["dst"]);
            AssertSame(Field("ip.ttl"), ip?["ttl"]);
            AssertSame(Field("ip.id"), ip?["id"]);
            AssertSame(Field("ip.checksum"), ip?["checksum"]);
            AssertVerdict(Field("ip.checksum.status"), ip?["checksum_valid"]);

            var udp = decoded.Layer("udp");
            AssertSame(Field("udp.srcport"), udp?["src_port"]);
            AssertSame(Field("udp.dstport"), udp?["dst_port"]);
            AssertSame(Field("udp.length"), udp?["length"]);
            AssertSame(Field("udp.checksum"), udp?["checksum"]);
            AssertVerdict(Field("udp.checksum.status"), udp?["checksum_valid"]);

            var tcp = decoded.Layer("tcp");
            AssertSame(Field("tcp.srcport"), tcp?["src_port"]);
            AssertSame(Field("tcp.dstport"), tcp?["dst_port"]);
            AssertSame(Field("tcp.seq_raw"), tcp?["seq"]);
            AssertSame(Field("tcp.window_size_value"), tcp?["window"]);
            var options = tcp?["options"] as DecodedLayer;
            AssertSame(Field("tcp.options.mss_val"), options?["mss"]);
            AssertSame(Field("tcp.options.wscale.shift"), options?["window_scale"]);
            AssertSame(Field("tcp.options.timestamp.tsval"), options?["ts_val"]);
            AssertVerdict(Field("tcp.checksum.status"), tcp?["checksum_valid"]);

            var icmp = decoded.Layer("icmp");
            AssertSame(Field("icmp.type"), icmp?["type"]);
            AssertSame(Field("icmp.ident"), icmp?["id"]);
            AssertSame(Field("icmp.seq"), icmp?["seq"]);
            AssertVerdict(Field("icmp.checksum.status"), icmp?["checksum_valid"]);

            var igmp = decoded.Layer("igmp");
            AssertSame(Field("igmp.type"), igmp?["type"]);
            AssertSame(Field("igmp.maddr"), igmp?["group"]);
            AssertVerdict(Field("igmp.checksum.status"), igmp?["checksum_valid"]);

            bool tsharkSaysBad = fields.Where((name, column) => name.EndsWith(".status", StringComparison.Ordinal) && row[column] == "0").Any();
            Assert.Equal(!tsharkSaysBad, decoded.Valid);
        }
    }

    /// <summary>tshark prints numbers in decimal or 0x-hex depending on the field; compare as numbers when both are.</summary>
    private static void AssertSame(string tsharkValue, object? ours)
    {
        if (tsharkValue.Length == 0)
        {
            Assert.Null(ours);
            return;
        }
        Assert.NotNull(ours);
        if (ours is int or long)
        {
            long expected = tsharkValue.StartsWith("0x", StringComparison.Ordinal)
                ? long.Parse(tsharkValue[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : long.Parse(tsharkValue, CultureInfo.InvariantCulture);
            Assert.Equal(expected, Convert.ToInt64(ours, CultureInfo.InvariantCulture));
        }
        else
        {
            Assert.Equal(tsharkValue, ours.ToString());
        }
    }

    /// <summary>Wireshark's checksum.status: 1 good, 0 bad, 2 unverified (it does not check by default for some protocols).</summary>
    private static void AssertVerdict(string status, object? ours)
    {
        if (status is "0" or "1") Assert.Equal(status == "1", ours);
    }

    private List<string[]> RunTshark(string tshark, string pcap, string[] fields)
    {
        var start = new ProcessStartInfo(tshark)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["HOME"] = _dir; // keep tshark's profile and its warnings out of the real home
        foreach (string arg in new[]
                 {
                     "-r", pcap, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f",
                     "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                 })
        {
            start.ArgumentList.Add(arg);
        }
        foreach (string field in fields)
        {
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add(field);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "tshark did not finish in 60 s");
        Assert.True(process.ExitCode == 0, $"tshark exited {process.ExitCode}: {stderr.Result}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToList();
    }
}
