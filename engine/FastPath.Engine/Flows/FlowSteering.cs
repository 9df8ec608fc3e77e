using System.Runtime.CompilerServices;
using FastPath.Engine.Memory;
using FastPath.Engine.Rings;

namespace FastPath.Engine.Flows;

/// <summary>
/// Software RSS between the workers of one engine: a Toeplitz hash of each IPv4 packet's 4-tuple picks a
/// worker through an indirection table (a NIC's RETA, 128 entries), and a packet that arrived on another
/// worker is handed to its own over a single-producer single-consumer ring for that (from, to) pair. With
/// the symmetric key both directions of a flow meet on one worker, so its state needs no locks.
/// <para>
/// Frames never change owner. A frame belongs to the pool of the worker whose port received it, and pools
/// are single-threaded, so the worker a packet is handed to copies it into a frame of its own pool and
/// sends the original straight back on a return ring (one per pair, the other way); the owner frees
/// returned frames into its pool at the start of its next burst. The copy costs a memcpy per misdirected
/// packet, and buys the rule that a frame is only ever freed by its owner and only ever transmitted on its
/// owner's port (which ports check).
/// </para>
/// <para>
/// Non-IPv4 frames (ARP and the like) stay on the worker that received them.
/// </para>
/// </summary>
public sealed class FlowSteering
{
    /// <summary>Entries in the indirection table (what most NICs have).</summary>
    public const int IndirectionTableSize = 128;

    private readonly int[] _indirection = new int[IndirectionTableSize];
    private readonly FlowSteeringEndpoint[] _endpoints;
    private int _stoppedSending;

    /// <param name="workerCount">Workers that share the traffic (at least 1).</param>
    /// <param name="ringSize">Packets each (from, to) hand-over ring holds, a power of two.</param>
    /// <param name="hash">The hash; <see cref="ToeplitzHash.Symmetric"/> by default.</param>
    public FlowSteering(int workerCount, int ringSize = 1024, ToeplitzHash? hash = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workerCount, IndirectionTableSize);
        WorkerCount = workerCount;
        Hash = hash ?? ToeplitzHash.Symmetric;
        for (int i = 0; i < IndirectionTableSize; i++) _indirection[i] = i % workerCount;
        // rings[from][to]; the diagonal stays null.
        var handOver = new SpscRing<Packet>?[workerCount][];
        var giveBack = new SpscRing<Packet>?[workerCount][];
        for (int from = 0; from < workerCount; from++)
        {
            handOver[from] = new SpscRing<Packet>?[workerCount];
            giveBack[from] = new SpscRing<Packet>?[workerCount];
            for (int to = 0; to < workerCount; to++)
            {
                if (from == to) continue;
                handOver[from][to] = new SpscRing<Packet>(ringSize);
                giveBack[from][to] = new SpscRing<Packet>(ringSize);
            }
        }
        _endpoints = new FlowSteeringEndpoint[workerCount];
        for (int i = 0; i < workerCount; i++) _endpoints[i] = new FlowSteeringEndpoint(this, i, handOver, giveBack);
    }

    public int WorkerCount { get; }

    public ToeplitzHash Hash { get; }

    /// <summary>How long a stopping worker waits for the others to give back its frames before counting them lost.</summary>
    public TimeSpan QuiesceTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Replaces the indirection table (hash &amp; 127 → worker), e.g. to match a NIC's RETA so that software
    /// steering agrees with the hardware's queue choice. Only before the workers start.
    /// </summary>
    public void SetIndirectionTable(ReadOnlySpan<int> workers)
    {
        if (workers.Length != IndirectionTableSize) throw new ArgumentException($"the table has {IndirectionTableSize} entries", nameof(workers));
        foreach (int worker in workers)
        {
            if ((uint)worker >= (uint)WorkerCount) throw new ArgumentOutOfRangeException(nameof(workers), worker, $"workers are 0..{WorkerCount - 1}");
        }
        workers.CopyTo(_indirection);
    }

    /// <summary>The worker for a hash.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int SelectWorker(uint hash) => _indirection[hash & (IndirectionTableSize - 1)];

    /// <summary>The worker for a flow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int SelectWorker(in FlowKey key) => SelectWorker(Hash.Compute(key));

    /// <summary>The worker for an Ethernet frame, or -1 when it has no IPv4 flow (it stays where it arrived).</summary>
    public int SelectWorker(ReadOnlySpan<byte> frame) => FlowKey.TryParse(frame, out FlowKey key) ? SelectWorker(key) : -1;

    internal FlowSteeringEndpoint GetEndpoint(int worker) => _endpoints[worker];

    /// <summary>A worker that will hand over nothing more; returns how many have said so.</summary>
    internal int StopSending() => Interlocked.Increment(ref _stoppedSending);

    internal bool AllStoppedSending => Volatile.Read(ref _stoppedSending) == WorkerCount;
}
