namespace FastPath.Drivers.Linux.AfXdp;

/// <summary>
/// The AF_XDP socket's own counters (getsockopt XDP_STATISTICS, each as the kernel names it) and the
/// port's wakeup syscalls. <see cref="AfXdpPort.Stats"/> maps the kernel's counters onto PortStats.
/// </summary>
public readonly record struct AfXdpStatistics
{
    /// <summary>rx_dropped: frames dropped for reasons other than the ones below (e.g. longer than a frame).</summary>
    public long RxDropped { get; init; }
    /// <summary>rx_invalid_descs: invalid addresses found in the fill ring.</summary>
    public long RxInvalidDescriptors { get; init; }
    /// <summary>tx_invalid_descs: TX descriptors the kernel skipped as invalid (their frames never complete).</summary>
    public long TxInvalidDescriptors { get; init; }
    /// <summary>rx_ring_full: frames dropped because the RX ring was full.</summary>
    public long RxRingFull { get; init; }
    /// <summary>rx_fill_ring_empty_descs: times the kernel found the fill ring empty when a frame came.</summary>
    public long RxFillRingEmpty { get; init; }
    /// <summary>tx_ring_empty_descs: times the kernel was woken for TX and found the TX ring empty (not a loss).</summary>
    public long TxRingEmpty { get; init; }
    /// <summary>sendto calls made because the TX ring asked for a wakeup.</summary>
    public long TxWakeups { get; init; }
    /// <summary>Of those, the ones that returned EAGAIN, EBUSY, ENOBUFS or ENETDOWN (descriptors stay queued).</summary>
    public long TxWakeupsDeferred { get; init; }
    /// <summary>recvfrom calls made because the fill ring asked for a wakeup.</summary>
    public long RxWakeups { get; init; }
}
