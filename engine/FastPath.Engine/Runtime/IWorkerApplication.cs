using FastPath.Engine.Memory;

namespace FastPath.Engine.Runtime;

/// <summary>
/// What runs on a worker: the IPv4 stack, or an app that works on raw frames. All calls come from the
/// worker's own thread, so an application keeps per-worker state with no locks.
/// </summary>
public interface IWorkerApplication
{
    /// <summary>Once, before the first burst (gratuitous ARP, group joins, timers).</summary>
    void Start(WorkerContext context);

    /// <summary>
    /// A received burst. Each packet now belongs to the application: it must transmit it
    /// (<see cref="WorkerContext.Tx"/>), keep it, or free it to <see cref="WorkerContext.Pool"/>.
    /// </summary>
    void Receive(Span<Packet> packets);

    /// <summary>Once per loop iteration after the burst, with the loop's time (cheap: most calls do nothing).</summary>
    void Poll(long nowNanoseconds);

    /// <summary>Once, after the last burst (IGMP leave, counters final). Packets may still be queued on Tx.</summary>
    void Stop();
}
