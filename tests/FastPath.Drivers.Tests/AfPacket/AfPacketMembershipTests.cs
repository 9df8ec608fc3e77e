using System.Text;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.TestKit;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Drivers.Tests.AfPacket;

/// <summary>
/// Multicast membership and promiscuous mode. A veth filters nothing (a packet socket on it sees every
/// frame), so the receiving port sits on a macvlan over the peer end, which filters multicast by the
/// memberships of its device the way a NIC's filter does. The frames come from a second port on the local end.
/// </summary>
[Collection(AfPacketCollection.Name)]
public sealed class AfPacketMembershipTests
{
    private const string Macvlan = "fpmv0";
    private static readonly Ipv4Address Group = Ipv4Address.Parse("239.1.1.1");
    private static readonly MacAddress GroupMac = MacAddress.Parse("01:00:5e:01:01:01");

    [Fact]
    public void A_multicast_frame_arrives_only_after_the_membership_is_added()
    {
        using var lab = NetLab.Create();
        CreateMacvlan(lab);
        using var sender = AfPacketPort.Open(lab.LocalInterface);
        using var receiver = lab.InNamespace(() => AfPacketPort.Open(Macvlan));
        Assert.Equal(GroupMac, MacAddress.FromIpv4Multicast(Group));

        Assert.False(MulticastArrives(lab, sender, receiver, "before"));
        Assert.DoesNotContain(GroupMac, DeviceMulticastList(lab));

        receiver.AddMulticastMembership(GroupMac);
        Assert.Contains(GroupMac, DeviceMulticastList(lab));
        Assert.True(MulticastArrives(lab, sender, receiver, "member"));
    }

    [Fact]
    public void A_membership_ends_when_dropped_and_when_the_port_closes()
    {
        // Checked on the device's address list rather than by reception: once macvlan has admitted a group
        // it keeps passing it after the address is deleted (its hash filter is not narrowed again).
        using var lab = NetLab.Create();
        CreateMacvlan(lab);
        using (var port = lab.InNamespace(() => AfPacketPort.Open(Macvlan)))
        {
            port.AddMulticastMembership(GroupMac);
            port.AddMulticastMembership(GroupMac);
            port.DropMulticastMembership(GroupMac);
            Assert.Contains(GroupMac, DeviceMulticastList(lab)); // reference-counted: one add is left
            port.DropMulticastMembership(GroupMac);
            Assert.DoesNotContain(GroupMac, DeviceMulticastList(lab));

            port.AddMulticastMembership(GroupMac);
            Assert.Contains(GroupMac, DeviceMulticastList(lab));
        }
        Assert.DoesNotContain(GroupMac, DeviceMulticastList(lab));
    }

    [Fact]
    public void A_promiscuous_port_receives_the_multicast_frame_without_membership()
    {
        using var lab = NetLab.Create();
        CreateMacvlan(lab);
        using var sender = AfPacketPort.Open(lab.LocalInterface);
        using (var plain = lab.InNamespace(() => AfPacketPort.Open(Macvlan)))
            Assert.False(MulticastArrives(lab, sender, plain, "plain"));

        using var promiscuous = lab.InNamespace(() => AfPacketPort.Open(Macvlan, new AfPacketOptions { Promiscuous = true }));
        Assert.True(MulticastArrives(lab, sender, promiscuous, "promiscuous"));
    }

    [Fact]
    public void Membership_takes_only_multicast_addresses()
    {
        using var lab = NetLab.Create();
        using var port = AfPacketPort.Open(lab.LocalInterface);
        Assert.Throws<ArgumentException>(() => port.AddMulticastMembership(lab.PeerMac));
    }

    /// <summary>
    /// Sends a UDP frame to the group, then a broadcast marker, and reports whether the group frame came
    /// before the marker. macvlan delivers broadcasts through its queue after (or with) the multicast frame
    /// it was given first, so once the marker is in, the group frame either came or was filtered out.
    /// </summary>
    private static bool MulticastArrives(NetLab lab, AfPacketPort sender, AfPacketPort receiver, string tag)
    {
        byte[] marker = Encoding.ASCII.GetBytes($"marker {tag}");
        byte[] payload = Encoding.ASCII.GetBytes($"group {tag}");
        AfPacketTraffic.Send(sender, AfPacketTraffic.Udp(lab.LocalMac, GroupMac, lab.LocalIp, Group, 40200, 7400, payload));
        AfPacketTraffic.Send(sender, AfPacketTraffic.Udp(lab.LocalMac, MacAddress.Broadcast, lab.LocalIp, Ipv4Address.Broadcast, 40200, 7401, marker));

        bool groupFrame = false;
        bool markerSeen = AfPacketTraffic.ReceiveUntil(receiver, frame =>
        {
            if (AfPacketPortTests.IsUdpTo(frame, 7400) && frame.AsSpan().IndexOf(payload) >= 0) groupFrame = true;
            return AfPacketPortTests.IsUdpTo(frame, 7401) && frame.AsSpan().IndexOf(marker) >= 0;
        });
        Assert.True(markerSeen, $"the broadcast marker '{tag}' never arrived");
        return groupFrame;
    }

    /// <summary>A macvlan over the peer end, inside the lab's namespace (it goes when the namespace goes), IPv6 off.</summary>
    private static void CreateMacvlan(NetLab lab)
    {
        Check(lab.RunInPeer("ip", "link", "add", Macvlan, "link", lab.PeerInterface, "type", "macvlan", "mode", "bridge"));
        lab.InNamespace(() => File.WriteAllText($"/proc/sys/net/ipv6/conf/{Macvlan}/disable_ipv6", "1"));
        Check(lab.RunInPeer("ip", "link", "set", Macvlan, "up"));
    }

    /// <summary>The link-layer multicast addresses of the macvlan (/proc/net/dev_mcast as the namespace sees it).</summary>
    private static List<MacAddress> DeviceMulticastList(NetLab lab) => lab.InNamespace(() =>
        File.ReadLines("/proc/thread-self/net/dev_mcast")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields[1] == Macvlan)
            .Select(fields => MacAddress.FromUInt64(Convert.ToUInt64(fields[4], 16)))
            .ToList());

    private static void Check(CommandResult result) => Assert.True(result.Succeeded, result.ToString());
}
