using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using FastPath.Drivers.Linux.AfXdp;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.TestKit;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Tests.DataPath;

/// <summary>The stack on an engine worker over AF_XDP, joined to a group, with a kernel multicast sender as the peer.</summary>
public sealed class StackMulticastTests
{
    [Fact]
    public void A_kernel_multicast_sender_reaches_a_socket_joined_to_the_group()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        var group = Ipv4Address.Parse("239.1.2.3");
        const ushort Port = 5000;
        var received = new ConcurrentQueue<byte[]>();
        NetworkStack? stack = null;
        var config = new InterfaceConfig { Address = new Ipv4Cidr(lab.LocalIp, lab.PrefixLength), Mac = lab.LocalMac, Mtu = 1500 };
        using (var engine = global::FastPath.Engine.Runtime.Engine.Create(
            [new PortBinding<AfXdpPort>(() => AfXdpPort.Open(lab.LocalInterface))],
            _ =>
            {
                stack = new NetworkStack(config);
                stack.Udp.Bind(Port, (_, datagram) => received.Enqueue(datagram.Payload.ToArray()), group);
                return stack;
            }))
        {
            engine.Start();
            lab.InNamespace(() =>
            {
                using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                sender.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, IPAddress.Parse(lab.PeerIp.ToString()).GetAddressBytes());
                sender.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 1);
                for (int i = 0; i < 10; i++) sender.SendTo(BitConverter.GetBytes(i), new IPEndPoint(IPAddress.Parse(group.ToString()), Port));
            });
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (received.Count < 10 && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.True(engine.Stop());
        }

        Assert.Equal(Enumerable.Range(0, 10), received.Select(payload => BitConverter.ToInt32(payload)));
        StackCountersSnapshot counters = stack!.GetCounters();
        Assert.True(counters.IgmpReportsSent >= 1, "joining the group sent no IGMP report");
        Assert.True(counters.IgmpLeavesSent >= 1, "stopping sent no IGMP leave");
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
    }
}
