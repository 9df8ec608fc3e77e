using System.Buffers.Binary;
using FastPath.Apps.Fanout;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;

namespace FastPath.Apps.Tests.Fanout;

/// <summary>
/// A <see cref="MulticastFanout"/> driven by hand over a <see cref="MemoryPort"/> pair: frames written into
/// the fan-out's pool as a NIC would, bursts handed to it, what it transmits read back on the far end.
/// </summary>
internal sealed class FanoutHarness : IDisposable
{
    public static readonly MacAddress FanoutMac = MacAddress.Parse("02:00:00:00:00:0f");
    public static readonly MacAddress SenderMac = MacAddress.Parse("02:00:00:00:00:05");
    public static readonly Ipv4Address FanoutIp = Ipv4Address.Parse("10.9.0.1");
    public static readonly Ipv4Address SenderIp = Ipv4Address.Parse("10.9.0.5");

    private readonly MemoryPort _port;
    private readonly MemoryPort _peer;
    private readonly Packet[] _burst = new Packet[64];

    public FanoutHarness(FanoutSettings settings, MemoryPortOptions? options = null, int txCapacity = 512)
    {
        (_port, _peer) = MemoryPort.CreatePair(options ?? new MemoryPortOptions { MacA = FanoutMac, MacB = SenderMac });
        Clock = new ManualClock(1_000_000_000);
        Context = new WorkerContext(0, _port, Clock, new TimerWheel(), new TxBuffer(txCapacity));
        Fanout = new MulticastFanout(new InterfaceConfig { Address = new Ipv4Cidr(FanoutIp, 24) }, settings);
        Fanout.Start(Context);
    }

    public MulticastFanout Fanout { get; }

    public WorkerContext Context { get; }

    public ManualClock Clock { get; }

    public FramePool Pool => _port.Pool;

    /// <summary>Hands <paramref name="frames"/> to the fan-out as one received burst.</summary>
    public void Deliver(params byte[][] frames)
    {
        var packets = new Packet[frames.Length];
        int count = 0;
        foreach (byte[] frame in frames)
        {
            Assert.True(_port.Pool.TryAllocate(out Packet packet), "the harness's pool is empty");
            frame.CopyTo(_port.Pool.Region.GetWritableSpan(packet));
            packet.Length = (ushort)frame.Length;
            packets[count++] = packet;
        }
        Fanout.Receive(packets.AsSpan(0, count));
    }

    /// <summary>Drains the transmit buffer onto the wire and returns every frame the far end receives, in order.</summary>
    public List<byte[]> Collect()
    {
        var frames = new List<byte[]>();
        while (true)
        {
            Context.Tx.Drain(_port);
            int received = _peer.Receive(_burst);
            if (received == 0 && Context.Tx.Count == 0) break;
            foreach (Packet packet in _burst.AsSpan(0, received)) frames.Add(_peer.Pool.Region.GetSpan(packet).ToArray());
            _peer.Pool.Free(_burst.AsSpan(0, received));
            if (received == 0) break;
        }
        return frames;
    }

    public void Dispose()
    {
        Fanout.Stop();
        Context.Tx.Clear(_port.Pool);
        _port.Dispose();
        _peer.Dispose();
    }

    /// <summary>A datagram of the sender to <paramref name="group"/> carrying <see cref="Payload"/>(<paramref name="sequence"/>).</summary>
    public static byte[] GroupDatagram(FanoutEndpoint group, int sequence) => Datagram(SenderIp, group, Payload(sequence), MacAddress.FromIpv4Multicast(group.Address));

    public static byte[] Datagram(Ipv4Address source, FanoutEndpoint to, byte[] payload, MacAddress destinationMac)
    {
        var udp = new UdpRepr(40000, to.Port, payload.Length);
        var ip = new Ipv4Repr(source, to.Address, IpProtocol.Udp, udp.DatagramLength, Ttl: 1, Identification: 7);
        var frame = new byte[14 + ip.TotalLength];
        new EthernetRepr(SenderMac, destinationMac, EtherType.Ipv4).Emit(new EthernetFrame(frame));
        payload.CopyTo(frame, 14 + 20 + 8);
        udp.Emit(new UdpPacket(frame.AsSpan(34, udp.DatagramLength)), source, to.Address);
        ip.Emit(new Ipv4Packet(frame.AsSpan(14, ip.TotalLength)));
        return frame;
    }

    /// <summary>The ARP reply of <paramref name="address"/> (at <paramref name="mac"/>) to the fan-out.</summary>
    public static byte[] ArpReply(Ipv4Address address, MacAddress mac)
    {
        var frame = new byte[60];
        new EthernetRepr(mac, FanoutMac, EtherType.Arp).Emit(new EthernetFrame(frame));
        new ArpRepr(ArpOperation.Reply, mac, address, FanoutMac, FanoutIp).Emit(new ArpPacket(frame.AsSpan(14, ArpPacket.Length)));
        return frame;
    }

    /// <summary>4 bytes of sequence, then 4..400 bytes that depend on it (odd lengths too): a reordered or altered copy shows.</summary>
    public static byte[] Payload(int sequence)
    {
        var payload = new byte[4 + 4 + (int)((uint)sequence * 37u % 397u)];
        BinaryPrimitives.WriteInt32LittleEndian(payload, sequence);
        for (int i = 4; i < payload.Length; i++) payload[i] = unchecked((byte)(sequence * 31 + i * 7));
        return payload;
    }

    /// <summary>A UDP copy parsed and checked: both checksums verify, or the assertion fails.</summary>
    public static Copy ParseCopy(byte[] frame)
    {
        Assert.True(EthernetFrame.TryParse(frame, out EthernetFrame ethernet));
        Assert.Equal(EtherType.Ipv4, ethernet.EtherType);
        Assert.True(Ipv4Packet.TryParse(ethernet.Payload, out Ipv4Packet ip));
        Assert.True(ip.VerifyChecksum(), "bad IPv4 header checksum");
        Assert.Equal(IpProtocol.Udp, ip.Protocol);
        Assert.Equal(ip.TotalLength, ethernet.Payload.Length);
        Span<byte> segment = ethernet.Payload.Slice(ip.HeaderLength, ip.TotalLength - ip.HeaderLength);
        Assert.True(UdpPacket.TryParse(segment, out UdpPacket udp));
        Assert.Equal(segment.Length, udp.Length);
        Assert.NotEqual(0, udp.Checksum);
        Assert.True(udp.VerifyChecksum(ip.Source, ip.Destination), "bad UDP checksum");
        return new Copy(ethernet.Destination, ethernet.Source, ip.Source, new FanoutEndpoint(ip.Destination, udp.DestinationPort), udp.SourcePort,
            ip.Ttl, ip.DontFragment, ip.Identification, udp.Checksum, segment[8..].ToArray());
    }

    /// <summary>The UDP frames among <paramref name="frames"/> (ARP and IGMP left out).</summary>
    public static List<Copy> Copies(IEnumerable<byte[]> frames) =>
        [.. frames.Where(frame => frame.Length > 34 && frame[12] == 0x08 && frame[13] == 0x00 && frame[23] == (byte)IpProtocol.Udp).Select(ParseCopy)];

    public sealed record Copy(MacAddress DestinationMac, MacAddress SourceMac, Ipv4Address Source, FanoutEndpoint To, ushort SourcePort,
        byte Ttl, bool DontFragment, ushort Identification, ushort UdpChecksum, byte[] Payload)
    {
        public int Sequence => BinaryPrimitives.ReadInt32LittleEndian(Payload);
    }
}
