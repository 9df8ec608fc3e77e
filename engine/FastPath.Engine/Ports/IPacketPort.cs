using FastPath.Engine.Memory;

namespace FastPath.Engine.Ports;

/// <summary>
/// One queue of one interface, owned by one worker thread. Burst semantics as in DPDK: Receive fills
/// 0..Length packets and never blocks; Transmit takes the accepted prefix, which then belongs to the port
/// (it frees the frames once sent); what was not accepted still belongs to the caller.
/// </summary>
public interface IPacketPort : IDisposable
{
    PortInfo Info { get; }

    /// <summary>The pool received packets come from, and frames to transmit must be allocated from.</summary>
    FramePool Pool { get; }

    /// <summary>Fills up to <c>packets.Length</c> received packets, returns how many. The caller frees them to <see cref="Pool"/>.</summary>
    int Receive(Span<Packet> packets);

    /// <summary>Queues packets for sending, returns how many were taken (a prefix).</summary>
    int Transmit(ReadOnlySpan<Packet> packets);

    /// <summary>Kicks the kernel (sendto) if the queued packets need a wakeup, and reaps completed frames.</summary>
    void Flush();

    PortStats Stats { get; }

    /// <summary>
    /// The link as the port last found it; the port looks again on a transmit error and, at most every
    /// ~100 ms, when it is idle or the link is not up. <see cref="PortLink.Unknown"/> for ports without a link.
    /// </summary>
    PortLink Link => PortLink.Unknown;

    /// <summary>
    /// Looks at the link now unless it was looked at in the last ~100 ms (one ioctl: for a monitor thread
    /// or an idle loop, never per packet) and returns what the port knows. Safe from any thread.
    /// </summary>
    PortLink CheckLink() => Link;
}
