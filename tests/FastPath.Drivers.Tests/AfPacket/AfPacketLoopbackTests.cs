using System.Net;
using System.Net.Sockets;
using System.Text;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.TestKit;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;

namespace FastPath.Drivers.Tests.AfPacket;

/// <summary>The loopback interface, where AF_XDP cannot go: a port on `lo` inside the lab's namespace.</summary>
[Collection(AfPacketCollection.Name)]
public sealed class AfPacketLoopbackTests
{
    private static readonly Ipv4Address SecondLoopback = Ipv4Address.Parse("127.0.0.2");

    [Fact]
    public void A_port_on_lo_receives_a_datagram_sent_to_127_0_0_1_and_completes_its_partial_checksum()
    {
        using var lab = NetLab.Create();
        using var port = lab.InNamespace(() => AfPacketPort.Open("lo"));
        using Socket sender = lab.InNamespace(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        byte[] payload = Encoding.ASCII.GetBytes("over loopback");
        Assert.Equal("lo", port.Info.Name);
        Assert.Equal(MacAddress.Zero, port.Info.Mac);

        sender.SendTo(payload, new IPEndPoint(IPAddress.Loopback, 6101));

        byte[]? received = null;
        AfPacketTraffic.ReceiveUntil(port, frame =>
        {
            if (!AfPacketPortTests.IsUdpTo(frame, 6101)) return false;
            received = frame;
            return true;
        });
        Assert.NotNull(received);
        Assert.True(Ipv4Packet.TryParse(new EthernetFrame(received).Payload, out Ipv4Packet ip));
        Assert.Equal(Ipv4Address.Loopback, ip.Destination);
        Assert.True(UdpPacket.TryParse(ip.Payload, out UdpPacket udp));
        Assert.Equal(payload, udp.Payload.ToArray());
        // Loopback leaves the UDP checksum to "offload" (CHECKSUM_PARTIAL); the port finishes it.
        Assert.True(udp.VerifyChecksum(ip.Source, ip.Destination), "UDP checksum not valid");
        Assert.True(port.ChecksumsCompleted > 0);
    }

    [Fact]
    public void A_frame_a_port_sends_on_lo_reaches_a_kernel_socket_there()
    {
        using var lab = NetLab.Create();
        // A frame injected on lo is routed as if it came from outside: 127/8 as a destination is martian
        // unless route_localnet is on, and a source that is one of the host's own addresses is martian
        // unless accept_local is; so the test allows the first (in its own namespace) and sends from
        // 127.0.0.2, which is on the loopback network but not an address of the host.
        lab.InNamespace(() => File.WriteAllText("/proc/sys/net/ipv4/conf/lo/route_localnet", "1"));
        using var port = lab.InNamespace(() => AfPacketPort.Open("lo"));
        using Socket receiver = lab.InNamespace(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 };
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 6102));
            return socket;
        });
        byte[] payload = Encoding.ASCII.GetBytes("from the port, on lo");

        AfPacketTraffic.Send(port, AfPacketTraffic.Udp(MacAddress.Zero, MacAddress.Zero, SecondLoopback, Ipv4Address.Loopback, 40102, 6102, payload));

        var buffer = new byte[2048];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int length = receiver.ReceiveFrom(buffer, ref from);
        Assert.Equal(payload, buffer[..length]);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 40102), from);
    }
}
