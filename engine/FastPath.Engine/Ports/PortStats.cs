namespace FastPath.Engine.Ports;

/// <summary>
/// A snapshot of one port's counters. Drops are counted by reason, as DPDK's xstats and the kernel's
/// XDP_STATISTICS do, so a loss can be traced to where it happened.
/// </summary>
public record struct PortStats
{
    public long RxPackets;
    public long RxBytes;
    public long TxPackets;
    public long TxBytes;

    /// <summary>Frames the kernel or the port dropped on receive (no room, no buffer).</summary>
    public long RxDropped;
    /// <summary>Receive descriptors or frames that were malformed (bad address, over-long, truncated).</summary>
    public long RxInvalid;
    /// <summary>Times the RX ring was full when the kernel had a frame for it.</summary>
    public long RxRingFull;
    /// <summary>Times the fill ring (or the pool feeding it) was empty.</summary>
    public long FillRingEmpty;
    /// <summary>Transmit calls that could not take every packet because the TX ring was full.</summary>
    public long TxRingFull;
    /// <summary>Transmit descriptors the kernel rejected.</summary>
    public long TxInvalid;
    /// <summary>Frames the port took and then did not send (fault injection, link down).</summary>
    public long TxDropped;
    /// <summary>Times the port saw its link go down (or away); see <see cref="IPacketPort.Link"/> for the state.</summary>
    public long LinkDowns;
    /// <summary>
    /// Kicks the kernel refused because the link was down (sendto: ENETDOWN). Not a loss: the frames stay
    /// queued in the TX ring and leave when the link is back (AF_XDP and AF_PACKET on Linux 6.18 both do so).
    /// </summary>
    public long TxLinkDown;
}
