using System.Net.Sockets;
using FastPath.Drivers.Linux.AfXdp;
using FastPath.Drivers.Linux.Bpf;
using FastPath.Engine.Memory;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.AfXdp;

/// <summary>Two ports on two queues of one veth: one shared program and map, and every frame lands on one of them.</summary>
public sealed class AfXdpMultiQueueTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(XdpAttachMode.Native)]
    [InlineData(XdpAttachMode.Generic)]
    public void Two_queues_share_one_program_and_together_receive_every_frame(XdpAttachMode mode)
    {
        using var lab = NetLab.Create(new NetLabOptions { RxQueues = 2, TxQueues = 2 });
        using var queue0 = AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { Queue = 0, Attach = mode });
        using var queue1 = AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions { Queue = 1, Attach = mode });
        Assert.Same(queue0.Attachment, queue1.Attachment);
        Assert.Equal(0, queue0.Info.Queue);
        Assert.Equal(1, queue1.Info.Queue);

        // veth delivers a frame on the receive queue numbered as the sender's transmit queue, and the peer
        // kernel picks that by a hash of the flow: many source ports spread the frames over both queues.
        const int flows = 32;
        const int perFlow = 4;
        var senders = Enumerable.Range(0, flows).Select(i => lab.OpenPeerUdp(20000 + i)).ToArray();
        for (int round = 0; round < perFlow; round++)
        {
            for (int i = 0; i < flows; i++) senders[i].SendTo(AfXdpTrafficTests.Payload(i * perFlow + round), lab.LocalEndPoint(9100));
        }

        int on0 = 0, on1 = 0;
        var deadline = DateTime.UtcNow + AfXdpLab.Patience;
        Span<Packet> burst = stackalloc Packet[64];
        while (on0 + on1 < flows * perFlow && DateTime.UtcNow < deadline)
        {
            on0 += Drain(queue0, burst);
            on1 += Drain(queue1, burst);
            Thread.Sleep(1);
        }
        output.WriteLine($"{mode}: queue 0 received {on0}, queue 1 received {on1}");
        Assert.Equal(flows * perFlow, on0 + on1);
        if (mode == XdpAttachMode.Native)
        {
            // Native XDP on veth runs on the receive queue the sender's transmit queue names; 32 flows all
            // hashing to one of two queues would be a 1 in 2^31 event.
            Assert.True(on0 > 0, "queue 0 received frames");
            Assert.True(on1 > 0, "queue 1 received frames");
        }
        // Generic XDP sees the queue recorded in the skb, and veth records none on this path: every frame
        // comes up on queue 0 there, which is why only the total is checked for both modes.
        Assert.True(queue0.Stats.RxPackets >= on0);
        Assert.True(queue1.Stats.RxPackets >= on1);
        foreach (Socket sender in senders) sender.Dispose();
    }

    private static int Drain(AfXdpPort port, Span<Packet> burst)
    {
        int matching = 0;
        int n = port.Receive(burst);
        foreach (Packet packet in burst[..n])
        {
            if (AfXdpTrafficTests.IsUdpTo(port, packet, 9100)) matching++;
            port.Pool.Free(packet);
        }
        return matching;
    }
}
