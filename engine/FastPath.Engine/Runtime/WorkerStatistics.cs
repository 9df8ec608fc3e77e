using FastPath.Engine.Ports;

namespace FastPath.Engine.Runtime;

/// <summary>
/// A snapshot of one worker's counters (or the sum over workers). Read while the worker runs, each value is
/// exact for some recent moment, not all for the same one.
/// </summary>
public readonly record struct WorkerStatistics
{
    public int WorkerId { get; init; }

    /// <summary>The CPU the worker is pinned to, or -1.</summary>
    public int Cpu { get; init; }

    public WorkerState State { get; init; }

    /// <summary>Loop iterations.</summary>
    public long Loops { get; init; }

    /// <summary>Iterations that found nothing to receive, send or fire.</summary>
    public long IdleLoops { get; init; }

    /// <summary>Times the adaptive idle strategy slept (or waited in poll(2)).</summary>
    public long Sleeps { get; init; }

    /// <summary>Packets received from the port (steered packets are counted where they arrive).</summary>
    public long RxPackets { get; init; }

    /// <summary>Packets the port took from the transmit buffer.</summary>
    public long TxPackets { get; init; }

    /// <summary>Packets the transmit buffer refused because it was full (the sender freed them).</summary>
    public long TxRefused { get; init; }

    public long TimersFired { get; init; }

    /// <summary>Timers that could not be scheduled because the wheel was full.</summary>
    public long TimerOverflows { get; init; }

    /// <summary>Packets this worker received for a flow of another worker and handed to it (flow steering).</summary>
    public long SteeredOut { get; init; }

    /// <summary>Packets other workers handed to this one.</summary>
    public long SteeredIn { get; init; }

    /// <summary>Packets lost to steering: a full hand-over ring, or no free frame to copy a handed-over packet into.</summary>
    public long SteeringDrops { get; init; }

    /// <summary>
    /// Frames of the worker's pool that were not back in it once the worker stopped and closed its port
    /// (kept by the application, or still in flight to a peer); -1 while the worker runs.
    /// </summary>
    public int FramesNotReturned { get; init; }

    /// <summary>The port's counters (the last ones read before it closed, once the worker stopped).</summary>
    public PortStats Port { get; init; }

    /// <summary>The sum of two workers' counters (for totals: identity fields are -1, FramesNotReturned summed when both are known).</summary>
    public static WorkerStatistics Sum(in WorkerStatistics a, in WorkerStatistics b) => new()
    {
        WorkerId = -1,
        Cpu = -1,
        State = (WorkerState)Math.Min((int)a.State, (int)b.State),
        Loops = a.Loops + b.Loops,
        IdleLoops = a.IdleLoops + b.IdleLoops,
        Sleeps = a.Sleeps + b.Sleeps,
        RxPackets = a.RxPackets + b.RxPackets,
        TxPackets = a.TxPackets + b.TxPackets,
        TxRefused = a.TxRefused + b.TxRefused,
        TimersFired = a.TimersFired + b.TimersFired,
        TimerOverflows = a.TimerOverflows + b.TimerOverflows,
        SteeredOut = a.SteeredOut + b.SteeredOut,
        SteeredIn = a.SteeredIn + b.SteeredIn,
        SteeringDrops = a.SteeringDrops + b.SteeringDrops,
        FramesNotReturned = a.FramesNotReturned < 0 || b.FramesNotReturned < 0 ? -1 : a.FramesNotReturned + b.FramesNotReturned,
        Port = SumPorts(a.Port, b.Port),
    };

    private static PortStats SumPorts(in PortStats a, in PortStats b) => new()
    {
        RxPackets = a.RxPackets + b.RxPackets,
        RxBytes = a.RxBytes + b.RxBytes,
        TxPackets = a.TxPackets + b.TxPackets,
        TxBytes = a.TxBytes + b.TxBytes,
        RxDropped = a.RxDropped + b.RxDropped,
        RxInvalid = a.RxInvalid + b.RxInvalid,
        RxRingFull = a.RxRingFull + b.RxRingFull,
        FillRingEmpty = a.FillRingEmpty + b.FillRingEmpty,
        TxRingFull = a.TxRingFull + b.TxRingFull,
        TxInvalid = a.TxInvalid + b.TxInvalid,
        TxDropped = a.TxDropped + b.TxDropped,
    };
}
