using FastPath.Engine.Memory;
using FastPath.Engine.Runtime;

namespace FastPath.Engine.Tests.Runtime;

/// <summary>Sends every received frame straight back out of the port it came in on.</summary>
internal sealed class EchoApplication : IWorkerApplication
{
    private WorkerContext? _context;

    public int Started { get; private set; }

    public int Stopped { get; private set; }

    public long Echoed { get; private set; }

    public void Start(WorkerContext context)
    {
        _context = context;
        Started++;
    }

    public void Receive(Span<Packet> packets)
    {
        foreach (ref readonly Packet packet in packets)
        {
            if (_context!.Send(packet)) Echoed++;
        }
    }

    public void Poll(long nowNanoseconds)
    {
    }

    public void Stop() => Stopped++;
}

/// <summary>Frees what it receives and counts it; optionally keeps some frames (to test what a stop reports).</summary>
internal sealed class SinkApplication(int keep = 0, bool freeKeptOnStop = true) : IWorkerApplication
{
    private readonly Packet[] _kept = new Packet[Math.Max(keep, 1)];
    private int _keptCount;
    private WorkerContext? _context;
    private long _received;

    public long Received => Volatile.Read(ref _received);

    public void Start(WorkerContext context) => _context = context;

    public void Receive(Span<Packet> packets)
    {
        foreach (ref readonly Packet packet in packets)
        {
            if (_keptCount < keep) _kept[_keptCount++] = packet;
            else _context!.Pool.Free(packet);
        }
        Volatile.Write(ref _received, _received + packets.Length);
    }

    public void Poll(long nowNanoseconds)
    {
    }

    public void Stop()
    {
        if (freeKeptOnStop) _context!.Pool.Free(_kept.AsSpan(0, _keptCount));
    }
}

/// <summary>Keeps the transmit buffer full of 60-byte frames until told to stop (a minimal traffic generator).</summary>
internal sealed class GeneratorApplication : IWorkerApplication
{
    private readonly Packet[] _burst = new Packet[32];
    private WorkerContext? _context;
    private long _queued;

    public long Queued => Volatile.Read(ref _queued);

    public void Start(WorkerContext context) => _context = context;

    public void Receive(Span<Packet> packets) => _context!.Pool.Free(packets);

    public void Poll(long nowNanoseconds)
    {
        WorkerContext context = _context!;
        int room = Math.Min(_burst.Length, context.Tx.Capacity - context.Tx.Count);
        int n = context.Pool.AllocateBurst(_burst.AsSpan(0, room));
        for (int i = 0; i < n; i++)
        {
            _burst[i].Length = 60;
            context.Tx.TryEnqueue(_burst[i]);
        }
        Volatile.Write(ref _queued, _queued + n);
    }

    public void Stop()
    {
    }
}

/// <summary>Throws from the stage it is told to (to test how failures travel).</summary>
internal sealed class FailingApplication(string stage) : IWorkerApplication
{
    public void Start(WorkerContext context)
    {
        if (stage == "start") throw new InvalidOperationException("failed in Start");
    }

    public void Receive(Span<Packet> packets) => throw new InvalidOperationException("failed in Receive");

    public void Poll(long nowNanoseconds)
    {
        if (stage == "poll") throw new InvalidOperationException("failed in Poll");
    }

    public void Stop()
    {
    }
}
