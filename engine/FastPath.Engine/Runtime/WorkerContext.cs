using FastPath.Engine.Memory;
using FastPath.Engine.Ports;

namespace FastPath.Engine.Runtime;

/// <summary>What a worker gives its application: its port, pool, transmit buffer, timers and clock.</summary>
public sealed class WorkerContext
{
    public WorkerContext(int workerId, IPacketPort port, IClock clock, TimerWheel timers, TxBuffer tx)
    {
        ArgumentNullException.ThrowIfNull(port);
        WorkerId = workerId;
        Port = port;
        Pool = port.Pool;
        Clock = clock;
        Timers = timers;
        Tx = tx;
    }

    public int WorkerId { get; }

    public IPacketPort Port { get; }

    public FramePool Pool { get; }

    public IClock Clock { get; }

    public TimerWheel Timers { get; }

    public TxBuffer Tx { get; }

    /// <summary>Queues a packet for the end of this loop iteration; frees it (and returns false) if the buffer is full.</summary>
    public bool Send(in Packet packet)
    {
        if (Tx.TryEnqueue(packet)) return true;
        Pool.Free(packet);
        return false;
    }
}
