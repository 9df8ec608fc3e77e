using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;

namespace FastPath.Engine.Tests.Hardening;

/// <summary>Writes flood frame number <c>index</c> into <c>frame</c> (a pool frame's whole buffer); returns its length.</summary>
internal delegate int FloodFrameWriter(Span<byte> frame, long index);

/// <summary>
/// Sends a flood through a peer port at a rate in virtual time: each burst of up to 32 frames moves the manual
/// clock to the instant the last of them is due (<c>index * 1e9 / rate</c> after the start, exact in integers),
/// then the caller's step runs the stacks once. Frames are written straight into the peer's pool frames, so the
/// flood itself allocates nothing.
/// </summary>
internal sealed class FloodInjector(IPacketPort peer, ManualClock clock, Action step)
{
    public const int Burst = 32;
    private readonly Packet[] _burst = new Packet[Burst];

    /// <summary>Frames the wire refused (its ring full): not sent, so not part of any count.</summary>
    public long Refused { get; private set; }

    /// <summary>Receives and frees everything waiting on <paramref name="port"/>; returns how many frames there were.</summary>
    public static long DrainAndFree(IPacketPort port, Packet[] buffer)
    {
        long count = 0;
        int got;
        while ((got = port.Receive(buffer)) > 0)
        {
            count += got;
            port.Pool.Free(buffer.AsSpan(0, got));
        }
        return count;
    }

    /// <summary>Sends prebuilt frames together (in one burst, at the current time), then runs one step.</summary>
    public void SendTogether(byte[][] frames)
    {
        foreach (byte[] frame in frames)
        {
            if (!peer.Pool.TryAllocate(out Packet packet)) throw new InvalidOperationException("the peer's pool ran out");
            frame.CopyTo(peer.Pool.Region.GetWritableSpan(packet));
            packet.Length = (ushort)frame.Length;
            if (peer.Transmit(new ReadOnlySpan<Packet>(ref packet)) != 1) throw new InvalidOperationException("the wire refused a frame");
        }
        step();
    }

    /// <summary>Sends frames <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 at <paramref name="ratePerSecond"/>.</summary>
    public void Flood(long first, long count, long ratePerSecond, FloodFrameWriter write, Action<long>? afterBurst = null)
    {
        long start = clock.NowNanoseconds;
        for (long sent = 0; sent < count;)
        {
            int want = (int)Math.Min(Burst, count - sent);
            int allocated = peer.Pool.AllocateBurst(_burst.AsSpan(0, want));
            if (allocated == 0) throw new InvalidOperationException("the peer's pool ran out: the stack is not keeping up or frames leak");
            for (int i = 0; i < allocated; i++)
            {
                ref Packet packet = ref _burst[i];
                packet.Length = (ushort)write(peer.Pool.Region.GetWritableSpan(packet), first + sent + i);
            }
            int accepted = peer.Transmit(_burst.AsSpan(0, allocated));
            if (accepted < allocated)
            {
                Refused += allocated - accepted;
                peer.Pool.Free(_burst.AsSpan(accepted, allocated - accepted));
                throw new InvalidOperationException("the wire refused flood frames: the stack is not draining its port");
            }
            sent += allocated;
            long due = start + (long)((Int128)sent * 1_000_000_000 / ratePerSecond);
            if (due > clock.NowNanoseconds) clock.AdvanceNanoseconds(due - clock.NowNanoseconds);
            step();
            afterBurst?.Invoke(first + sent);
        }
    }
}
