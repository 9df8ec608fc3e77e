using FastPath.Apps.Generator;
using FastPath.TestKit;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;
using FastPath.Wire.Udp;

namespace FastPath.Apps.Tests.Generator;

/// <summary>
/// Every frame the builder writes, checked by a full checksum sum (which the builder itself never does per
/// frame): headers, lengths, both checksums, the signature, and the flows and sizes in the promised order.
/// Frames are built into a small set of reused buffers, as pool frames are recycled, so that both the
/// "patch the changing fields" and the "copy the template" paths are exercised.
/// </summary>
public sealed class StreamFrameBuilderTests
{
    private static readonly StreamSpec Base = new(TestFrames.HostA, TestFrames.HostB, TestFrames.IpA, TestFrames.IpB, 4000, 5000);

    public static TheoryData<StreamProtocol, string, bool> Cases()
    {
        var data = new TheoryData<StreamProtocol, string, bool>();
        foreach (StreamProtocol protocol in Enum.GetValues<StreamProtocol>())
        {
            foreach (string sizes in new[] { "60", "1514", "61-77", "imix" })
            {
                data.Add(protocol, sizes, false);
                data.Add(protocol, sizes, true);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_frame_is_valid_with_both_checksums_right(StreamProtocol protocol, string sizes, bool random)
    {
        StreamSpec spec = Base with
        {
            Id = 7,
            Protocol = protocol,
            Sizes = ParseSizes(sizes),
            SourceIps = new Ipv4Range(Ipv4Address.Parse("10.1.0.250"), Ipv4Address.Parse("10.1.1.4")),
            DestinationIps = new Ipv4Range(Ipv4Address.Parse("192.168.7.1"), Ipv4Address.Parse("192.168.7.3")),
            Flows = protocol == StreamProtocol.Raw ? 1 : 13,
            RandomOrder = random,
            Seed = 42,
        };
        var builder = new StreamFrameBuilder(spec, lane: 3, firstTag: 1);
        var buffers = new byte[5][];
        var tags = new int[buffers.Length];
        for (int i = 0; i < buffers.Length; i++) buffers[i] = new byte[2048];
        var rng = new Random(1);
        long time = 0x1234_5678_9ABCL;
        for (uint n = 0; n < 3000; n++)
        {
            int slot = rng.Next(buffers.Length);
            int length = builder.Build(buffers[slot], ref tags[slot], time + n);
            Span<byte> frame = buffers[slot].AsSpan(0, length);
            Assert.InRange(length, spec.Sizes.Smallest, spec.Sizes.Largest);
            AssertValid(frame, spec, n);
            if (spec.HasSignature)
            {
                Assert.True(FrameSignature.TryRead(frame, out SignatureRecord signature));
                Assert.Equal(new SignatureRecord(7, 3, n, (ulong)(time + n) & FrameSignature.TimestampMask), signature);
            }
            else
            {
                Assert.False(FrameSignature.TryRead(frame, out _));
            }
        }
    }

    [Fact]
    public void In_turn_the_flows_walk_every_port_then_source_then_destination()
    {
        StreamSpec spec = Base with
        {
            SourceIps = new Ipv4Range(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.3")),
            DestinationIps = new Ipv4Range(Ipv4Address.Parse("10.9.0.1"), Ipv4Address.Parse("10.9.0.2")),
            Flows = 4,
        };
        var builder = new StreamFrameBuilder(spec, 0, 1);
        var frame = new byte[2048];
        int tag = 0;
        var seen = new List<(Ipv4Address Source, Ipv4Address Destination, ushort Port)>();
        for (int i = 0; i < 2 * 3 * 4 + 1; i++)
        {
            builder.Build(frame, ref tag, 0);
            var ip = new Ipv4Packet(frame.AsSpan(14));
            var udp = new UdpPacket(ip.Payload);
            seen.Add((ip.Source, ip.Destination, udp.SourcePort));
        }
        Assert.Equal((Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.9.0.1"), (ushort)4000), seen[0]);
        Assert.Equal((Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.9.0.1"), (ushort)4001), seen[1]);
        Assert.Equal((Ipv4Address.Parse("10.0.0.2"), Ipv4Address.Parse("10.9.0.1"), (ushort)4000), seen[4]);
        Assert.Equal((Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.9.0.2"), (ushort)4000), seen[12]);
        Assert.Equal(24, seen.Take(24).Distinct().Count());
        Assert.Equal(seen[0], seen[24]);
    }

    [Fact]
    public void Random_flows_stay_in_range_cover_them_and_repeat_with_the_seed()
    {
        StreamSpec spec = Base with
        {
            SourceIps = new Ipv4Range(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.200")),
            Flows = 50,
            RandomOrder = true,
            Seed = 9,
        };
        List<(uint, ushort)> Draw()
        {
            var builder = new StreamFrameBuilder(spec, 0, 1);
            var frame = new byte[2048];
            int tag = 0;
            var flows = new List<(uint, ushort)>();
            for (int i = 0; i < 100_000; i++)
            {
                builder.Build(frame, ref tag, 0);
                var ip = new Ipv4Packet(frame.AsSpan(14));
                flows.Add((ip.Source.Value, new UdpPacket(ip.Payload).SourcePort));
            }
            return flows;
        }
        List<(uint Source, ushort Port)> first = Draw();
        Assert.Equal(first, Draw());
        Assert.All(first, flow => Assert.InRange(flow.Source, Ipv4Address.Parse("10.0.0.1").Value, Ipv4Address.Parse("10.0.0.200").Value));
        Assert.All(first, flow => Assert.InRange(flow.Port, (ushort)4000, (ushort)4049));
        Assert.Equal(200 * 50, first.Distinct().Count());
    }

    [Fact]
    public void Imix_sends_7_4_1_of_60_590_1514_in_every_12_frames()
    {
        var builder = new StreamFrameBuilder(Base with { Sizes = FrameSizes.Imix }, 0, 1);
        var frame = new byte[2048];
        int tag = 0;
        var sizes = Enumerable.Range(0, 1200).Select(_ => builder.Build(frame, ref tag, 0)).ToList();
        for (int start = 0; start < sizes.Count; start += 12)
        {
            var turn = sizes.Skip(start).Take(12).ToList();
            Assert.Equal(7, turn.Count(s => s == 60));
            Assert.Equal(4, turn.Count(s => s == 590));
            Assert.Equal(1, turn.Count(s => s == 1514));
        }
        // (7 x 64 + 4 x 594 + 1518) / 12 = 361.83 bytes with the FCS; 357.83 without it.
        Assert.Equal(361.833, FrameSizes.Imix.MeanSize + 4, 3);
    }

    [Fact]
    public void A_fixed_stream_without_signature_writes_nothing_into_a_frame_that_holds_its_template()
    {
        var builder = new StreamFrameBuilder(Base with { Signature = false }, 0, 1);
        var frame = new byte[2048];
        int tag = 0;
        builder.Stamp(frame, ref tag);
        frame[59] = 0xEE; // not a field the stream writes: a frame that holds the template is left alone
        Assert.Equal(60, builder.Build(frame, ref tag, 0));
        Assert.Equal(0xEE, frame[59]);
        tag = 0; // a frame of unknown content is written whole
        builder.Build(frame, ref tag, 0);
        Assert.Equal(0, frame[59]);
    }

    private static FrameSizes ParseSizes(string text) => text switch
    {
        "imix" => FrameSizes.Imix,
        _ when text.Contains('-', StringComparison.Ordinal) => FrameSizes.Range(int.Parse(text.Split('-')[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(text.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture)),
        _ => FrameSizes.Fixed(int.Parse(text, System.Globalization.CultureInfo.InvariantCulture)),
    };

    internal static void AssertValid(Span<byte> frame, StreamSpec spec, uint sequence)
    {
        Assert.True(EthernetFrame.TryParse(frame, out EthernetFrame ethernet));
        Assert.Equal(spec.DestinationMac, ethernet.Destination);
        Assert.Equal(spec.SourceMac, ethernet.Source);
        Assert.True(Ipv4Packet.TryParse(ethernet.Payload, out Ipv4Packet ip));
        Assert.True(ip.VerifyChecksum(), "IPv4 header checksum");
        Assert.Equal(frame.Length - 14, ip.TotalLength);
        Assert.InRange(ip.Source.Value, spec.SourceIps.First.Value, spec.SourceIps.Last.Value);
        Assert.InRange(ip.Destination.Value, spec.DestinationIps.First.Value, spec.DestinationIps.Last.Value);
        Assert.True(ip.DontFragment);
        ushort firstPort = spec.SourcePort, lastPort = (ushort)(spec.SourcePort + spec.Flows - 1);
        switch (spec.Protocol)
        {
            case StreamProtocol.Udp:
                Assert.Equal(IpProtocol.Udp, ip.Protocol);
                Assert.True(UdpPacket.TryParse(ip.Payload, out UdpPacket udp));
                Assert.Equal(ip.Payload.Length, udp.Length);
                Assert.NotEqual(0, udp.Checksum);
                Assert.True(InternetChecksum.IsValidWithPseudoHeader(ip.Source, ip.Destination, IpProtocol.Udp, ip.Payload), "UDP checksum");
                Assert.InRange(udp.SourcePort, firstPort, lastPort);
                Assert.Equal(spec.DestinationPort, udp.DestinationPort);
                break;
            case StreamProtocol.TcpSyn:
                Assert.Equal(IpProtocol.Tcp, ip.Protocol);
                Assert.True(TcpPacket.TryParse(ip.Payload, out TcpPacket tcp));
                Assert.Equal(TcpFlags.Syn, tcp.Flags);
                Assert.True(tcp.VerifyChecksum(ip.Source, ip.Destination), "TCP checksum");
                Assert.Equal(sequence * 0x9E3779B1, tcp.SequenceNumber);
                Assert.InRange(tcp.SourcePort, firstPort, lastPort);
                break;
            case StreamProtocol.Icmp:
                Assert.Equal(IpProtocol.Icmp, ip.Protocol);
                Assert.True(Icmpv4Packet.TryParse(ip.Payload, out Icmpv4Packet icmp));
                Assert.Equal(Icmpv4Type.EchoRequest, icmp.Type);
                Assert.True(icmp.VerifyChecksum(), "ICMP checksum");
                Assert.Equal((ushort)sequence, icmp.SequenceNumber);
                Assert.InRange(icmp.Identifier, firstPort, lastPort);
                break;
            case StreamProtocol.Raw:
                Assert.Equal(FrameSignature.RawProtocol, ip.Protocol);
                break;
        }
    }
}
