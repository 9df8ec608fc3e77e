using System.Net;
using System.Net.Sockets;
using FastPath.Drivers.Linux.AfXdp;
using FastPath.Drivers.Linux.Bpf;
using FastPath.Engine.Memory;
using FastPath.TestKit;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;

namespace FastPath.Drivers.Tests.AfXdp;

/// <summary>Frames both ways between an AF_XDP port and the kernel stack in the lab's namespace.</summary>
public sealed class AfXdpTrafficTests
{
    [Theory]
    [InlineData(XdpAttachMode.Native)]
    [InlineData(XdpAttachMode.Generic)]
    public void Frames_sent_by_the_port_arrive_at_a_kernel_udp_socket_in_the_peer_namespace(XdpAttachMode mode)
    {
        using var lab = NetLab.Create();
        using Socket peer = lab.OpenPeerUdp(7001);
        using var port = AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { Attach = mode });
        Assert.Equal(mode, port.AttachMode);

        const int count = 50;
        var packets = new Packet[count];
        for (int i = 0; i < count; i++) packets[i] = AfXdpLab.StageUdpToPeer(port, lab, Payload(i), (ushort)(40000 + i), 7001);
        AfXdpLab.SendAll(port, packets);

        // The kernel drops a datagram whose IPv4 or UDP checksum is wrong before the socket sees it, so
        // each one received is also a checked one.
        var seen = new HashSet<int>();
        byte[] buffer = new byte[2048];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        while (seen.Count < count)
        {
            int length = peer.ReceiveFrom(buffer, ref from);
            int index = BitConverter.ToInt32(buffer, 0);
            Assert.Equal(Payload(index), buffer[..length]);
            Assert.Equal(lab.LocalEndPoint(40000 + index), from);
            seen.Add(index);
        }
        Assert.Equal(count, port.Stats.TxPackets);
        Assert.Equal(port.Pool.Capacity, port.Pool.Available + FramesHeldForReceive(port));
    }

    [Theory]
    [InlineData(XdpAttachMode.Native)]
    [InlineData(XdpAttachMode.Generic)]
    public void Frames_sent_by_the_kernel_peer_arrive_at_the_port_with_valid_checksums(XdpAttachMode mode)
    {
        using var lab = NetLab.Create();
        using Socket peer = lab.OpenPeerUdp(7002);
        using var port = AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { Attach = mode });

        const int count = 20;
        for (int i = 0; i < count; i++) peer.SendTo(Payload(i), lab.LocalEndPoint(9000));

        var received = AfXdpLab.ReceiveUntil(port, count, packet => IsUdpTo(port, packet, 9000));
        Assert.Equal(count, received.Count);
        var indices = new HashSet<int>();
        foreach (Packet packet in received)
        {
            // The kernel writes a received frame XDP_PACKET_HEADROOM (256) bytes into its chunk.
            Assert.Equal(256, packet.Offset);
            Span<byte> bytes = port.Pool.Region.GetSpan(packet);
            Assert.True(EthernetFrame.TryParse(bytes, out var ethernet));
            Assert.Equal(lab.LocalMac, ethernet.Destination);
            Assert.Equal(lab.PeerMac, ethernet.Source);
            Assert.True(Ipv4Packet.TryParse(ethernet.Payload, out var ip));
            Assert.True(ip.VerifyChecksum());
            Assert.Equal(lab.PeerIp, ip.Source);
            Assert.Equal(lab.LocalIp, ip.Destination);
            Assert.True(UdpPacket.TryParse(ip.Payload, out var udp));
            Assert.True(udp.VerifyChecksum(ip.Source, ip.Destination));
            Assert.Equal(7002, udp.SourcePort);
            int index = BitConverter.ToInt32(udp.Payload);
            Assert.Equal(Payload(index), udp.Payload.ToArray());
            indices.Add(index);
            port.Pool.Free(packet);
        }
        Assert.Equal(count, indices.Count);
        Assert.True(port.Stats.RxPackets >= count);
    }

    internal static byte[] Payload(int index)
    {
        byte[] payload = new byte[18 + index % 7];
        BitConverter.TryWriteBytes(payload, index);
        for (int i = 4; i < payload.Length; i++) payload[i] = (byte)(index * 31 + i);
        return payload;
    }

    internal static bool IsUdpTo(AfXdpPort port, Packet packet, ushort destinationPort)
    {
        Span<byte> bytes = port.Pool.Region.GetSpan(packet);
        return EthernetFrame.TryParse(bytes, out var ethernet) && ethernet.EtherType == EtherType.Ipv4
            && Ipv4Packet.TryParse(ethernet.Payload, out var ip) && ip.Protocol == IpProtocol.Udp
            && UdpPacket.TryParse(ip.Payload, out var udp) && udp.DestinationPort == destinationPort;
    }

    /// <summary>Frames the port has given the kernel for receiving: the pool's frames that are neither free nor in flight.</summary>
    internal static int FramesHeldForReceive(AfXdpPort port) => port.FillHeld;
}
