using System.Net.Sockets;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.AfPacket;

/// <summary>PACKET_FANOUT: two ports of one group share an interface, each frame going to exactly one.</summary>
[Collection(AfPacketCollection.Name)]
public sealed class AfPacketFanoutTests
{
    private const ushort DestinationPort = 7300;
    private const int Flows = 40;
    private const int DatagramsPerFlow = 50;

    [Fact]
    public void Two_ports_in_one_group_see_every_frame_exactly_once_between_them()
    {
        using var lab = NetLab.Create();
        var options = new AfPacketOptions { FanoutGroup = AfPacketOptions.DefaultFanoutGroupFor(lab.LocalIndex) };
        using var first = AfPacketPort.Open(lab.LocalInterface, options with { Queue = 0 });
        using var second = AfPacketPort.Open(lab.LocalInterface, options with { Queue = 1 });
        Assert.Equal("tpacket-v3 fanout", first.Info.Mode);

        // Many source ports, so the flow hash has many flows to spread.
        var senders = new Socket[Flows];
        for (int i = 0; i < Flows; i++) senders[i] = lab.OpenPeerUdp(20000 + i);

        var seen = new HashSet<(int Flow, int Sequence)>();
        var perPort = new int[2];
        int duplicates = 0;
        for (int round = 0; round < DatagramsPerFlow; round++)
        {
            for (int flow = 0; flow < Flows; flow++)
                senders[flow].SendTo(BitConverter.GetBytes(round), lab.LocalEndPoint(DestinationPort));
            // Drained per round: every datagram sent so far is due, so the sum is exact at the end of each round.
            int expected = (round + 1) * Flows;
            AfPacketTraffic.ReceiveUntil([first, second], (port, frame) =>
            {
                if (!AfPacketPortTests.IsUdpTo(frame, DestinationPort)) return false;
                int flow = (frame[34] << 8 | frame[35]) - 20000; // UDP source port, after Ethernet (14) and IPv4 (20)
                int sequence = BitConverter.ToInt32(frame, 42);
                if (!seen.Add((flow, sequence))) duplicates++;
                perPort[port]++;
                return seen.Count == expected;
            });
        }

        Assert.Equal(0, duplicates);
        Assert.Equal(Flows * DatagramsPerFlow, perPort[0] + perPort[1]);
        Assert.True(perPort[0] > 0 && perPort[1] > 0, $"one port got everything: {perPort[0]} / {perPort[1]}");
        // Frames of one flow never split: fanout hashes the flow, not the frame.
        Assert.Equal(Flows * DatagramsPerFlow, seen.Count);
    }
}
