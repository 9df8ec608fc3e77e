using System.Net;
using System.Net.Sockets;
using System.Text;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.Engine.Memory;
using FastPath.TestKit;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;

namespace FastPath.Drivers.Tests.AfPacket;

/// <summary>An AF_PACKET port against the kernel stack in the lab's namespace, both ways.</summary>
[Collection(AfPacketCollection.Name)]
public sealed class AfPacketPortTests
{
    [Fact]
    public void A_missing_interface_is_a_one_line_IOException()
    {
        var error = Assert.Throws<IOException>(() => AfPacketPort.Open("fp-nosuch0"));
        Assert.Equal("no interface named 'fp-nosuch0'", error.Message);
    }

    [Fact]
    public void Info_names_the_driver_and_the_interface()
    {
        using var lab = NetLab.Create();
        using var port = AfPacketPort.Open(lab.LocalInterface, new AfPacketOptions { Queue = 3 });
        Assert.Equal(lab.LocalInterface, port.Info.Name);
        Assert.Equal(lab.LocalMac, port.Info.Mac);
        Assert.Equal(1500, port.Info.Mtu);
        Assert.Equal(3, port.Info.Queue);
        Assert.Equal("afpacket", port.Info.Driver);
        Assert.Equal("tpacket-v3", port.Info.Mode);
        Assert.True(port.FileDescriptor >= 0);
    }

    [Fact]
    public void A_frame_the_port_sends_reaches_a_kernel_udp_socket_with_its_payload()
    {
        using var lab = NetLab.Create();
        using var port = AfPacketPort.Open(lab.LocalInterface);
        using Socket peer = lab.OpenPeerUdp(5001);
        byte[] payload = Encoding.ASCII.GetBytes("afpacket to kernel: the exact bytes");

        AfPacketTraffic.Send(port, AfPacketTraffic.Udp(lab.LocalMac, lab.PeerMac, lab.LocalIp, lab.PeerIp, 40001, 5001, payload));

        // The kernel drops a datagram whose IPv4 or UDP checksum is wrong, so its arrival proves both.
        var buffer = new byte[2048];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int length = peer.ReceiveFrom(buffer, ref from);
        Assert.Equal(payload, buffer[..length]);
        Assert.Equal(lab.LocalEndPoint(40001), from);
        Assert.Equal(1, port.Stats.TxPackets);
    }

    [Theory]
    [InlineData(18)]   // a 60-byte frame: copied whole into the skb
    [InlineData(300)]  // past the linear-copy limit: the payload rides as a page fragment of the ring
    [InlineData(1472)] // a full 1500-byte IP packet
    public void Frames_of_every_size_up_to_the_mtu_reach_the_kernel_intact(int payloadLength)
    {
        using var lab = NetLab.Create();
        using var port = AfPacketPort.Open(lab.LocalInterface);
        using Socket peer = lab.OpenPeerUdp(5003);
        byte[] payload = Enumerable.Range(0, payloadLength).Select(i => (byte)(i * 13 + 1)).ToArray();

        AfPacketTraffic.Send(port, AfPacketTraffic.Udp(lab.LocalMac, lab.PeerMac, lab.LocalIp, lab.PeerIp, 40003, 5003, payload));

        var buffer = new byte[2048];
        int length = peer.Receive(buffer);
        Assert.Equal(payload, buffer[..length]);
    }

    [Fact]
    public void A_datagram_the_kernel_sends_arrives_as_one_frame_with_valid_checksums()
    {
        using var lab = NetLab.Create();
        using var port = AfPacketPort.Open(lab.LocalInterface);
        using Socket peer = lab.OpenPeerUdp(5002);
        byte[] payload = Encoding.ASCII.GetBytes("kernel to afpacket");

        peer.SendTo(payload, lab.LocalEndPoint(6002));

        byte[]? received = null;
        AfPacketTraffic.ReceiveUntil(port, frame =>
        {
            if (!IsUdpTo(frame, 6002)) return false;
            received = frame;
            return true;
        });
        Assert.NotNull(received);
        var ethernet = new EthernetFrame(received);
        Assert.Equal(lab.LocalMac, ethernet.Destination);
        Assert.Equal(lab.PeerMac, ethernet.Source);
        Assert.True(Ipv4Packet.TryParse(ethernet.Payload, out Ipv4Packet ip));
        Assert.True(ip.VerifyChecksum());
        Assert.Equal(lab.PeerIp, ip.Source);
        Assert.Equal(lab.LocalIp, ip.Destination);
        Assert.True(UdpPacket.TryParse(ip.Payload, out UdpPacket udp));
        Assert.NotEqual(0, udp.Checksum);
        Assert.True(udp.VerifyChecksum(ip.Source, ip.Destination));
        Assert.Equal(5002, udp.SourcePort);
        Assert.Equal(payload, udp.Payload.ToArray());
        Assert.Equal(0, port.Pool.InUse);
    }

    [Fact]
    public void A_vlan_tagged_frame_arrives_with_its_tag_back_in_place()
    {
        // The kernel takes the tag out of every VLAN frame before packet sockets see it (skb_vlan_untag) and
        // reports it in the ring header; the port puts it back so the frame is the one on the wire.
        // This kernel has no 802.1Q devices, so a second port in the namespace sends the tagged frame.
        using var lab = NetLab.Create();
        using var port = AfPacketPort.Open(lab.LocalInterface);
        using var peer = lab.InNamespace(() => AfPacketPort.Open(lab.PeerInterface));
        byte[] payload = Encoding.ASCII.GetBytes("tagged");
        byte[] sent = TestFrames.Udp(payload, 40005, 6005, new VlanTag(5, priority: 3), lab.PeerIp, lab.LocalIp, lab.LocalMac);
        new EthernetFrame(sent).Source = lab.PeerMac;

        AfPacketTraffic.Send(peer, sent);

        byte[]? received = null;
        AfPacketTraffic.ReceiveUntil(port, frame =>
        {
            if (!IsUdpTo(frame, 6005)) return false;
            received = frame;
            return true;
        });
        Assert.NotNull(received);
        var ethernet = new EthernetFrame(received);
        Assert.Equal(new VlanTag(5, priority: 3), ethernet.Vlan);
        Assert.Equal(sent, received);
    }

    [Fact]
    public void Receive_returns_zero_at_once_when_nothing_came()
    {
        using var lab = NetLab.Create();
        using var port = AfPacketPort.Open(lab.LocalInterface);
        var packets = new Packet[32];
        Assert.Equal(0, port.Receive(packets));
        Assert.Equal(0, port.Pool.InUse);
    }

    [Fact]
    public void Frames_the_kernel_would_refuse_are_taken_freed_and_counted_as_invalid()
    {
        using var lab = NetLab.Create();
        using var port = AfPacketPort.Open(lab.LocalInterface);
        Assert.True(port.Pool.TryAllocate(out Packet tooShort));
        tooShort.Length = 13;
        Assert.True(port.Pool.TryAllocate(out Packet tooLong));
        tooLong.Length = 1500 + 18 + 1;

        Assert.Equal(2, port.Transmit([tooShort, tooLong]));
        port.Flush();

        Assert.Equal(0, port.Pool.InUse);
        Assert.Equal(2, port.Stats.TxInvalid);
        Assert.Equal(0, port.Stats.TxPackets);
    }

    [Fact]
    public void Dispose_is_idempotent_and_the_port_refuses_work_after_it()
    {
        using var lab = NetLab.Create();
        var port = AfPacketPort.Open(lab.LocalInterface);
        port.Dispose();
        port.Dispose();
        Assert.Throws<ObjectDisposedException>(() => port.Receive(new Packet[1]));
        Assert.Throws<ObjectDisposedException>(() => port.Transmit(new Packet[1]));
    }

    internal static bool IsUdpTo(byte[] frame, ushort destinationPort) =>
        EthernetFrame.TryParse(frame, out EthernetFrame ethernet)
        && ethernet.EtherType == EtherType.Ipv4
        && Ipv4Packet.TryParse(ethernet.Payload, out Ipv4Packet ip)
        && ip.Protocol == IpProtocol.Udp
        && UdpPacket.TryParse(ip.Payload, out UdpPacket udp)
        && udp.DestinationPort == destinationPort;
}
