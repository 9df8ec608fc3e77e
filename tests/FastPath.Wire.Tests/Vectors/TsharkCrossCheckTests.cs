using System.Buffers.Binary;
using System.Diagnostics;
using FastPath.TestKit;
using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Vectors;

/// <summary>
/// Frames built by the reprs, written to a pcap and decoded by tshark: a second opinion on the bit layouts
/// the fixtures were written by hand for (VLAN TCI, QinQ order, flags and fragment offset, options, checksums).
/// </summary>
public class TsharkCrossCheckTests
{
    private static readonly MacAddress Local = MacAddress.Parse("02:00:00:00:00:01");

    private static readonly string[] Fields =
    [
        "ieee8021ad.id", "ieee8021ad.priority", "ieee8021ad.dei",
        "vlan.id", "vlan.priority", "vlan.dei",
        "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4",
        "ip.hdr_len", "ip.len", "ip.dsfield.dscp", "ip.dsfield.ecn", "ip.id", "ip.flags.df", "ip.flags.mf",
        "ip.frag_offset", "ip.ttl", "ip.proto", "ip.checksum.status", "ip.opt.type", "ip.dst",
    ];

    [Fact]
    public void Tshark_decodes_emitted_frames_as_intended()
    {
        string tshark = Requirements.Tool("tshark", "tshark");
        byte[][] frames = [TaggedArpRequest(), QinQFragment(), IgmpWithRouterAlert()];
        string pcap = Path.Combine(Path.GetTempPath(), $"fastpath-wire-l23-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        List<Dictionary<string, string>> decoded;
        try
        {
            File.WriteAllBytes(pcap, ClassicPcap(frames));
            decoded = Decode(tshark, pcap);
        }
        finally
        {
            File.Delete(pcap);
        }

        Assert.Equal(3, decoded.Count);

        var arp = decoded[0];
        Assert.Equal(("100", "3", "0"), (arp["vlan.id"], arp["vlan.priority"], arp["vlan.dei"]));
        Assert.Equal(("1", "192.168.0.55", "192.168.0.2"), (arp["arp.opcode"], arp["arp.src.proto_ipv4"], arp["arp.dst.proto_ipv4"]));

        var fragment = decoded[1];
        Assert.Equal(("200", "0", "1"), (fragment["ieee8021ad.id"], fragment["ieee8021ad.priority"], fragment["ieee8021ad.dei"]));
        Assert.Equal(("100", "1", "0"), (fragment["vlan.id"], fragment["vlan.priority"], fragment["vlan.dei"]));
        Assert.Equal(("20", "36", "46", "1"), (fragment["ip.hdr_len"], fragment["ip.len"], fragment["ip.dsfield.dscp"], fragment["ip.dsfield.ecn"]));
        Assert.Equal(("0x1234", "0", "1"), (fragment["ip.id"], fragment["ip.flags.df"], fragment["ip.flags.mf"]));
        // Wireshark up to 4.0 shows the field in 8-byte units; later versions show bytes.
        Assert.Contains(fragment["ip.frag_offset"], new[] { "185", "1480" });
        Assert.Equal(("9", "17", "1", "10.0.0.2"), (fragment["ip.ttl"], fragment["ip.proto"], fragment["ip.checksum.status"], fragment["ip.dst"]));

        var igmp = decoded[2];
        Assert.Equal("", igmp["vlan.id"]);
        Assert.Equal(("24", "28", "1", "0"), (igmp["ip.hdr_len"], igmp["ip.len"], igmp["ip.flags.df"], igmp["ip.flags.mf"]));
        Assert.Equal(("1", "2", "1"), (igmp["ip.ttl"], igmp["ip.proto"], igmp["ip.checksum.status"]));
        Assert.Equal(("148", "224.0.0.22"), (igmp["ip.opt.type"], igmp["ip.dst"])); // 148: Router Alert
    }

    private static byte[] TaggedArpRequest()
    {
        var eth = new EthernetRepr(Local, MacAddress.Broadcast, EtherType.Arp, new VlanTag(100, priority: 3));
        var arp = new ArpRepr(ArpOperation.Request, Local, Ipv4Address.Parse("192.168.0.55"), MacAddress.Zero, Ipv4Address.Parse("192.168.0.2"));
        byte[] frame = new byte[EthernetFrame.MinimumFrameLength];
        eth.Emit(new EthernetFrame(frame));
        arp.Emit(new ArpPacket(frame.AsSpan(eth.HeaderLength)));
        return frame;
    }

    private static byte[] QinQFragment()
    {
        var eth = new EthernetRepr(Local, MacAddress.Parse("02:00:00:00:00:02"), EtherType.Ipv4,
            new VlanTag(100, priority: 1), ServiceVlan: new VlanTag(200, dropEligible: true));
        var ip = new Ipv4Repr(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.2"), IpProtocol.Udp, PayloadLength: 16,
            Ttl: 9, Dscp: 46, Ecn: 1, Identification: 0x1234, MoreFragments: true, FragmentOffset: 1480);
        byte[] frame = new byte[eth.HeaderLength + ip.TotalLength];
        eth.Emit(new EthernetFrame(frame));
        ip.Emit(new Ipv4Packet(frame.AsSpan(eth.HeaderLength)));
        return frame;
    }

    /// <summary>An IHL 6 header written through the view's setters, as an IGMP sender would (RFC 2236 section 2).</summary>
    private static byte[] IgmpWithRouterAlert()
    {
        Ipv4Address group = Ipv4Address.Parse("224.0.0.22");
        var eth = new EthernetRepr(Local, MacAddress.FromIpv4Multicast(group), EtherType.Ipv4);
        byte[] frame = new byte[EthernetFrame.MinimumFrameLength];
        eth.Emit(new EthernetFrame(frame));
        var ip = new Ipv4Packet(frame.AsSpan(eth.HeaderLength))
        {
            Version = 4,
            HeaderLength = 24,
            TotalLength = 28,
            DontFragment = true,
            Ttl = 1,
            Protocol = IpProtocol.Igmp,
            Source = Ipv4Address.Parse("10.0.0.1"),
            Destination = group,
        };
        BinaryPrimitives.WriteUInt32BigEndian(ip.Options, 0x9404_0000); // Router Alert
        ip.FillChecksum();
        return frame;
    }

    /// <summary>One dictionary per frame, field name to tshark's text ("" when the frame has no such field).</summary>
    private static List<Dictionary<string, string>> Decode(string tshark, string pcap)
    {
        var start = new ProcessStartInfo(tshark)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "ip.defragment:FALSE", "-T", "fields", "-E", "separator=|" })
        {
            start.ArgumentList.Add(argument);
        }
        foreach (string field in Fields)
        {
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add(field);
        }
        using var process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "tshark did not finish");
        Assert.True(process.ExitCode == 0, $"tshark exited with {process.ExitCode}: {stderr.Result}");
        var frames = new List<Dictionary<string, string>>();
        foreach (string line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] values = line.Split('|');
            Assert.Equal(Fields.Length, values.Length);
            var frame = new Dictionary<string, string>();
            for (int i = 0; i < Fields.Length; i++) frame[Fields[i]] = values[i];
            frames.Add(frame);
        }
        return frames;
    }

    /// <summary>A classic libpcap file (version 2.4, microsecond timestamps, LINKTYPE_ETHERNET), little-endian.</summary>
    private static byte[] ClassicPcap(byte[][] frames)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write(0xA1B2C3D4u);
        writer.Write((ushort)2);
        writer.Write((ushort)4);
        writer.Write(0);      // thiszone
        writer.Write(0u);     // sigfigs
        writer.Write(65535u); // snaplen
        writer.Write(1u);     // LINKTYPE_ETHERNET
        foreach (byte[] frame in frames)
        {
            writer.Write(0u);
            writer.Write(0u);
            writer.Write((uint)frame.Length);
            writer.Write((uint)frame.Length);
            writer.Write(frame);
        }
        writer.Flush();
        return stream.ToArray();
    }
}
