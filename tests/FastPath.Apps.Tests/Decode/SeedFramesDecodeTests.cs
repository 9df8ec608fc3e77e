using System.Text.Json;
using FastPath.Cli.Commands;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Decode;

/// <summary>`fastpath decode --json` on the shared capture gives the values tests/corpus/vectors/VECTORS.md lists.</summary>
public sealed class SeedFramesDecodeTests
{
    private static JsonElement[] DecodeSeedFrames()
    {
        var output = new StringWriter();
        int exit = DecodeCommand.Run(RepoPaths.Corpus("vectors/seed-frames.pcap"), json: true, output);
        Assert.Equal(0, exit);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).ToArray();
    }

    [Fact]
    public void ArpRequest()
    {
        var frame = DecodeSeedFrames()[0];
        Assert.Equal(0, frame.GetProperty("index").GetInt32());
        Assert.Equal(60, frame.GetProperty("length").GetInt32());
        var eth = frame.GetProperty("eth");
        Assert.Equal("ff:ff:ff:ff:ff:ff", eth.GetProperty("dst").GetString());
        Assert.Equal("00:05:5d:61:58:a8", eth.GetProperty("src").GetString());
        Assert.Equal(0x0806, eth.GetProperty("type").GetInt32());
        var arp = frame.GetProperty("arp");
        Assert.Equal(1, arp.GetProperty("hardware_type").GetInt32());
        Assert.Equal(0x0800, arp.GetProperty("protocol_type").GetInt32());
        Assert.Equal(1, arp.GetProperty("operation").GetInt32());
        Assert.Equal("00:05:5d:61:58:a8", arp.GetProperty("sender_mac").GetString());
        Assert.Equal("192.168.0.55", arp.GetProperty("sender_ip").GetString());
        Assert.Equal("00:00:00:00:00:00", arp.GetProperty("target_mac").GetString());
        Assert.Equal("192.168.0.2", arp.GetProperty("target_ip").GetString());
        Assert.True(frame.GetProperty("valid").GetBoolean());
        Assert.Equal(0, frame.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public void ArpReply()
    {
        var frame = DecodeSeedFrames()[1];
        Assert.Equal(1, frame.GetProperty("index").GetInt32());
        Assert.Equal("00:05:5d:61:58:a8", frame.GetProperty("eth").GetProperty("dst").GetString());
        Assert.Equal("00:05:5d:a1:b8:40", frame.GetProperty("eth").GetProperty("src").GetString());
        var arp = frame.GetProperty("arp");
        Assert.Equal(2, arp.GetProperty("operation").GetInt32());
        Assert.Equal("00:05:5d:a1:b8:40", arp.GetProperty("sender_mac").GetString());
        Assert.Equal("192.168.0.2", arp.GetProperty("sender_ip").GetString());
        Assert.Equal("00:05:5d:61:58:a8", arp.GetProperty("target_mac").GetString());
        Assert.Equal("192.168.0.55", arp.GetProperty("target_ip").GetString());
        Assert.True(frame.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public void TftpReadRequest()
    {
        var frame = DecodeSeedFrames()[2];
        Assert.Equal(2, frame.GetProperty("index").GetInt32());
        Assert.Equal(97, frame.GetProperty("length").GetInt32());
        Assert.Equal("00:05:5d:67:d0:b1", frame.GetProperty("eth").GetProperty("dst").GetString());
        Assert.Equal(0x0800, frame.GetProperty("eth").GetProperty("type").GetInt32());
        var ip = frame.GetProperty("ipv4");
        Assert.Equal(4, ip.GetProperty("version").GetInt32());
        Assert.Equal(5, ip.GetProperty("ihl").GetInt32());
        Assert.Equal(0, ip.GetProperty("dscp").GetInt32());
        Assert.Equal(83, ip.GetProperty("total_length").GetInt32());
        Assert.Equal(0x9325, ip.GetProperty("id").GetInt32());
        Assert.False(ip.GetProperty("df").GetBoolean());
        Assert.False(ip.GetProperty("mf").GetBoolean());
        Assert.Equal(0, ip.GetProperty("fragment_offset").GetInt32());
        Assert.Equal(128, ip.GetProperty("ttl").GetInt32());
        Assert.Equal(17, ip.GetProperty("protocol").GetInt32());
        Assert.Equal(0x25ec, ip.GetProperty("checksum").GetInt32());
        Assert.True(ip.GetProperty("checksum_valid").GetBoolean());
        Assert.Equal("192.168.0.55", ip.GetProperty("src").GetString());
        Assert.Equal("192.168.0.1", ip.GetProperty("dst").GetString());
        var udp = frame.GetProperty("udp");
        Assert.Equal(1492, udp.GetProperty("src_port").GetInt32());
        Assert.Equal(69, udp.GetProperty("dst_port").GetInt32());
        Assert.Equal(63, udp.GetProperty("length").GetInt32());
        Assert.Equal(0xac40, udp.GetProperty("checksum").GetInt32());
        Assert.True(udp.GetProperty("checksum_valid").GetBoolean());
        Assert.Equal(55, udp.GetProperty("payload_length").GetInt32());
        Assert.True(frame.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public void TextOutputHasOneLinePerFrameWithVerdicts()
    {
        var output = new StringWriter();
        DecodeCommand.Run(RepoPaths.Corpus("vectors/seed-frames.pcap"), json: false, output);
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains("Request who-has 192.168.0.2 tell 192.168.0.55", lines[0], StringComparison.Ordinal);
        Assert.Contains("Reply 192.168.0.2 is-at 00:05:5d:a1:b8:40", lines[1], StringComparison.Ordinal);
        Assert.Contains("192.168.0.55 > 192.168.0.1", lines[2], StringComparison.Ordinal);
        Assert.Contains("cksum 0x25ec (correct)", lines[2], StringComparison.Ordinal);
        Assert.Contains("UDP 1492 > 69, length 55, cksum 0xac40 (correct)", lines[2], StringComparison.Ordinal);
        Assert.All(lines, line => Assert.EndsWith("[valid]", line, StringComparison.Ordinal));
    }
}
