using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Benchmarks;

/// <summary>
/// Two stacks (A at 10.0.0.1, B at 10.0.0.2) on an in-memory wire, both driven on this one thread the way their
/// workers would drive them: receive, stack, drain TX, timers.
/// </summary>
internal sealed class TcpBenchPair : IDisposable
{
    public static readonly Ipv4Address IpA = Ipv4Address.Parse("10.0.0.1");
    public static readonly Ipv4Address IpB = Ipv4Address.Parse("10.0.0.2");
    private static readonly MacAddress MacA = MacAddress.Parse("02:00:00:00:00:0a");
    private static readonly MacAddress MacB = MacAddress.Parse("02:00:00:00:00:0b");

    private readonly Packet[] _burst = new Packet[64];
    private readonly bool _busyCountsFirstDrain;

    /// <param name="clock">The clock both workers read.</param>
    /// <param name="busyCountsFirstDrain">Whether frames sent by the drain before the timers make a step busy
    /// (each benchmark keeps the quiet rule its published figures were measured with).</param>
    public TcpBenchPair(IClock clock, bool busyCountsFirstDrain)
    {
        Clock = clock;
        _busyCountsFirstDrain = busyCountsFirstDrain;
        (PortA, PortB) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 8192, MacA = MacA, MacB = MacB });
        var tcp = new TcpOptions { MaxConnections = 8192 };
        StackA = new NetworkStack(new InterfaceConfig { Address = new Ipv4Cidr(IpA, 24), GratuitousArp = false, Tcp = tcp });
        StackB = new NetworkStack(new InterfaceConfig { Address = new Ipv4Cidr(IpB, 24), GratuitousArp = false, Tcp = tcp });
        ContextA = new WorkerContext(0, PortA, clock, new TimerWheel(clock.NowNanoseconds), new TxBuffer(512));
        ContextB = new WorkerContext(0, PortB, clock, new TimerWheel(clock.NowNanoseconds), new TxBuffer(512));
        StackA.Start(ContextA);
        StackB.Start(ContextB);
    }

    public IClock Clock { get; }
    public MemoryPort PortA { get; }
    public MemoryPort PortB { get; }
    public WorkerContext ContextA { get; }
    public WorkerContext ContextB { get; }
    public NetworkStack StackA { get; }
    public NetworkStack StackB { get; }

    /// <summary>One worker loop on each side; true when either side moved a frame.</summary>
    public bool StepBoth()
    {
        bool busy = Step(PortA, ContextA, StackA);
        busy |= Step(PortB, ContextB, StackB);
        return busy;
    }

    public void RunUntilQuiet()
    {
        for (int i = 0; i < 10_000; i++)
        {
            if (!StepBoth()) return;
        }
        throw new InvalidOperationException("the stacks kept exchanging frames");
    }

    public void Dispose()
    {
        StackA.Stop();
        StackB.Stop();
        ContextA.Tx.Clear(PortA.Pool);
        ContextB.Tx.Clear(PortB.Pool);
        PortA.Dispose();
        PortB.Dispose();
    }

    private bool Step(MemoryPort port, WorkerContext context, NetworkStack stack)
    {
        int received = port.Receive(_burst);
        stack.Receive(_burst.AsSpan(0, received));
        int sentBeforeTimers = context.Tx.Drain(port);
        long now = Clock.NowNanoseconds;
        context.Timers.Advance(now);
        stack.Poll(now);
        int sent = context.Tx.Drain(port);
        if (_busyCountsFirstDrain) sent += sentBeforeTimers;
        return received > 0 || sent > 0;
    }
}
