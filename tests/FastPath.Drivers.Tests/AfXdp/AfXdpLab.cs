using System.Diagnostics;
using FastPath.Drivers.Linux.AfXdp;
using FastPath.Engine.Memory;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.AfXdp;

/// <summary>Helpers for driving an <see cref="AfXdpPort"/> against the kernel peer of a <see cref="NetLab"/>.</summary>
internal static class AfXdpLab
{
    /// <summary>How long a test waits for a frame that should come; a bound for a hang, not a timing assertion.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>A UDP frame from the port's side (LocalIp) to the peer's kernel socket, in a frame of the port's pool.</summary>
    public static Packet StageUdpToPeer(AfXdpPort port, NetLab lab, byte[] payload, ushort sourcePort, ushort destinationPort)
    {
        byte[] frame = TestFrames.Udp(payload, sourcePort, destinationPort, source: lab.LocalIp, destination: lab.PeerIp, destinationMac: lab.PeerMac);
        return Stage(port, frame);
    }

    public static Packet Stage(AfXdpPort port, byte[] frame)
    {
        Assert.True(port.Pool.TryAllocate(out Packet packet), "the pool has a free frame");
        frame.CopyTo(port.Pool.Region.GetWritableSpan(packet));
        packet.Length = (ushort)frame.Length;
        return packet;
    }

    /// <summary>Transmits every packet, flushing until the ring took them all and the kernel completed them.</summary>
    public static void SendAll(AfXdpPort port, ReadOnlySpan<Packet> packets)
    {
        var clock = Stopwatch.StartNew();
        int sent = 0;
        while (sent < packets.Length)
        {
            sent += port.Transmit(packets[sent..]);
            port.Flush();
            if (clock.Elapsed > Patience) Assert.Fail($"the TX ring took {sent} of {packets.Length} packets");
        }
        while (port.TxOutstanding > 0)
        {
            port.Flush();
            if (clock.Elapsed > Patience) Assert.Fail($"{port.TxOutstanding} TX frames never completed");
            Thread.Yield();
        }
    }

    /// <summary>Receives until <paramref name="count"/> packets came or the patience ran out; returns what came.</summary>
    public static List<Packet> ReceiveUntil(AfXdpPort port, int count, Func<Packet, bool>? keep = null)
    {
        var received = new List<Packet>();
        Span<Packet> burst = stackalloc Packet[64];
        var clock = Stopwatch.StartNew();
        while (received.Count < count && clock.Elapsed < Patience)
        {
            int n = port.Receive(burst);
            if (n == 0)
            {
                Thread.Sleep(1);
                continue;
            }
            foreach (Packet packet in burst[..n])
            {
                if (keep is null || keep(packet)) received.Add(packet);
                else port.Pool.Free(packet);
            }
        }
        return received;
    }

}
