namespace FastPath.Drivers.Linux.AfPacket;

/// <summary>How an <see cref="AfPacketPort"/> sets up its socket, rings and frame pool. Every setting has a default.</summary>
public sealed record AfPacketOptions
{
    /// <summary>The worker index this port serves (informational: AF_PACKET sees every queue of the interface; fanout splits the traffic).</summary>
    public int Queue { get; init; }

    /// <summary>Frames in the port's own region and pool (received packets, and packets built for sending).</summary>
    public int FrameCount { get; init; } = 4096;

    /// <summary>
    /// Bytes per pool frame, 2048 or 4096; null picks 2048 when a full-MTU frame fits after the pool headroom,
    /// else 4096. Received frames longer than a pool frame can hold are dropped and counted in RxInvalid.
    /// </summary>
    public int? FrameSize { get; init; }

    /// <summary>
    /// Bytes per TPACKET_V3 receive block (a power of two, at least a page). The kernel hands a block over
    /// when it is full or its timeout expires, and gets it back as soon as every frame in it was copied out,
    /// so smaller blocks return sooner; the ring holds <see cref="RxBlockSize"/> × <see cref="RxBlockCount"/>.
    /// </summary>
    public int RxBlockSize { get; init; } = 256 * 1024;

    /// <summary>Receive blocks in the ring.</summary>
    public int RxBlockCount { get; init; } = 64;

    /// <summary>
    /// Milliseconds after which the kernel retires a block that is not full (tp_retire_blk_tov). Frames in an
    /// open block are invisible to user space, so this bounds receive latency under light load.
    /// </summary>
    public int RxBlockTimeoutMilliseconds { get; init; } = 1;

    /// <summary>Slots in the transmit ring (a power of two); each slot holds one frame until the kernel has sent it.</summary>
    public int TxFrameCount { get; init; } = 2048;

    /// <summary>PACKET_QDISC_BYPASS: hand frames straight to the driver, as trafgen and DPDK's af_packet do (no qdisc, no taps).</summary>
    public bool QdiscBypass { get; init; } = true;

    /// <summary>PACKET_IGNORE_OUTGOING: do not receive frames this host transmits on the interface (our own included).</summary>
    public bool IgnoreOutgoing { get; init; } = true;

    /// <summary>
    /// Receive frames for every destination (PACKET_MR_PROMISC membership: reference-counted by the kernel and
    /// gone when the socket closes, unlike setting IFF_PROMISC).
    /// </summary>
    public bool Promiscuous { get; init; }

    /// <summary>
    /// PACKET_FANOUT group (0..65535) this port joins: the kernel spreads received frames over the group's
    /// sockets by flow hash, so each worker of an interface sees whole flows. Null: no fanout.
    /// Use <see cref="DefaultFanoutGroupFor"/> so that all workers of one process on one interface agree.
    /// </summary>
    public int? FanoutGroup { get; init; }

    /// <summary>
    /// A fanout group id for an interface, the same for every port of this process on that interface. The
    /// process id is mixed in because group ids are per network namespace, not per process: another program
    /// using the same id on the same interface would otherwise share (and take half of) our traffic.
    /// </summary>
    public static int DefaultFanoutGroupFor(int interfaceIndex) =>
        (int)(((uint)Environment.ProcessId * 0x9E3779B1u >> 16) ^ (uint)interfaceIndex) & 0xFFFF;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Queue);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(FrameCount);
        if (FrameSize is not (null or 2048 or 4096))
            throw new ArgumentOutOfRangeException(nameof(FrameSize), FrameSize, "a pool frame is 2048 or 4096 bytes");
        if (RxBlockSize < Environment.SystemPageSize || !int.IsPow2(RxBlockSize))
            throw new ArgumentOutOfRangeException(nameof(RxBlockSize), RxBlockSize, "a receive block is a power of two of at least one page");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(RxBlockCount);
        if ((long)RxBlockSize * RxBlockCount > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(RxBlockCount), RxBlockCount, "the receive ring must stay under 2 GiB");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(RxBlockTimeoutMilliseconds);
        if (TxFrameCount < 16 || !int.IsPow2(TxFrameCount))
            throw new ArgumentOutOfRangeException(nameof(TxFrameCount), TxFrameCount, "the transmit ring is a power of two of at least 16 slots");
        if (FanoutGroup is < 0 or > 0xFFFF)
            throw new ArgumentOutOfRangeException(nameof(FanoutGroup), FanoutGroup, "a fanout group id is 16 bits");
    }
}
