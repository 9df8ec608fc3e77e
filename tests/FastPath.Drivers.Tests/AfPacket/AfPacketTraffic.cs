using System.Diagnostics;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.Engine.Memory;
using FastPath.TestKit;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Drivers.Tests.AfPacket;

/// <summary>Frames and send/receive loops the AF_PACKET tests share.</summary>
internal static class AfPacketTraffic
{
    /// <summary>How long a test waits for frames that should come; generous, since it only bounds a failing run.</summary>
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>An Ethernet + IPv4 + UDP frame with both checksums filled.</summary>
    internal static byte[] Udp(MacAddress sourceMac, MacAddress destinationMac, Ipv4Address source, Ipv4Address destination,
        ushort sourcePort, ushort destinationPort, byte[] payload)
    {
        byte[] frame = TestFrames.Udp(payload, sourcePort, destinationPort, source: source, destination: destination, destinationMac: destinationMac);
        new EthernetFrame(frame).Source = sourceMac;
        return frame;
    }

    /// <summary>Copies <paramref name="frame"/> into a pool frame of the port and transmits it, then kicks.</summary>
    internal static void Send(AfPacketPort port, byte[] frame)
    {
        Assert.True(port.Pool.TryAllocate(out Packet packet), "pool empty");
        frame.CopyTo(port.Pool.Region.GetWritableSpan(packet));
        packet.Length = (ushort)frame.Length;
        Assert.Equal(1, port.Transmit([packet]));
        port.Flush();
    }

    /// <summary>
    /// Receives until <paramref name="done"/> says so or <see cref="Patience"/> runs out, handing each frame's
    /// bytes to <paramref name="onFrame"/> and freeing it. Returns whether <paramref name="done"/> was reached.
    /// </summary>
    internal static bool ReceiveUntil(AfPacketPort port, Func<byte[], bool> onFrame, Func<bool>? done = null) =>
        ReceiveUntil([port], (_, frame) => onFrame(frame), done);

    /// <summary>Receives on several ports in turn (each frame tagged with its port's index in <paramref name="ports"/>).</summary>
    internal static bool ReceiveUntil(IReadOnlyList<AfPacketPort> ports, Func<int, byte[], bool> onFrame, Func<bool>? done = null)
    {
        var packets = new Packet[64];
        var clock = Stopwatch.StartNew();
        bool finished = false;
        while (!finished && clock.Elapsed < Patience)
        {
            int total = 0;
            for (int p = 0; p < ports.Count && !finished; p++)
            {
                AfPacketPort port = ports[p];
                int received = port.Receive(packets);
                total += received;
                for (int i = 0; i < received; i++)
                {
                    byte[] bytes = port.Pool.Region.GetSpan(packets[i]).ToArray();
                    if (onFrame(p, bytes)) finished = true;
                }
                port.Pool.Free(packets.AsSpan(0, received));
            }
            if (done?.Invoke() == true) finished = true;
            if (total == 0 && !finished) ports[0].WaitForReceive(5);
        }
        return finished;
    }
}
