using FastPath.Engine.Flows;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Threading;

namespace FastPath.Engine.Runtime;

/// <summary>
/// A worker over ports of type <typeparamref name="TPort"/>. The loop is an instance method of this generic
/// type, so for a struct port the JIT compiles a copy with direct (inlinable) port calls, and for a sealed
/// class port dynamic PGO devirtualises the one implementation it sees. A struct port must have reference
/// semantics (its state behind a handle), because the application reaches it through a boxed copy in
/// <see cref="WorkerContext.Port"/>.
/// </summary>
public sealed class Worker<TPort> : Worker where TPort : IPacketPort
{
    private readonly Func<TPort> _openPort;
    private readonly Func<int, IWorkerApplication> _createApplication;
    private readonly FlowSteeringEndpoint? _steering;
    private WorkerCounters _counters;
    private TxBuffer? _tx;
    private TimerWheel? _timers;
    // The port as the statistics reader sees it, null once closed; the final counters are kept instead.
    private volatile IPacketPort? _openedPort;
    private PortStats _finalPortStats;
    private volatile int _framesNotReturned = -1;

    /// <param name="id">The worker's number (the application's <see cref="WorkerContext.WorkerId"/>).</param>
    /// <param name="openPort">Opens the worker's port; called on the worker's thread after pinning, so the port's rings and pool are first touched by the core that uses them. The worker disposes the port when it stops.</param>
    /// <param name="createApplication">Makes the worker's application from its id; also called on the worker's thread.</param>
    /// <param name="options">CPU, burst size, idle strategy, buffers and timers; the defaults when null.</param>
    public Worker(int id, Func<TPort> openPort, Func<int, IWorkerApplication> createApplication, WorkerOptions? options = null)
        : this(id, openPort, createApplication, options ?? new WorkerOptions(), steering: null)
    {
    }

    internal Worker(int id, Func<TPort> openPort, Func<int, IWorkerApplication> createApplication, WorkerOptions options, FlowSteeringEndpoint? steering)
        : base(id, options)
    {
        ArgumentNullException.ThrowIfNull(openPort);
        ArgumentNullException.ThrowIfNull(createApplication);
        _openPort = openPort;
        _createApplication = createApplication;
        _steering = steering;
    }

    public override WorkerStatistics Statistics => new()
    {
        WorkerId = Id,
        Cpu = Options.Cpu ?? -1,
        State = State,
        Loops = Volatile.Read(ref _counters.Loops),
        IdleLoops = Volatile.Read(ref _counters.IdleLoops),
        Sleeps = Volatile.Read(ref _counters.Sleeps),
        RxPackets = Volatile.Read(ref _counters.RxPackets),
        TxPackets = Volatile.Read(ref _counters.TxPackets),
        TxRefused = _tx?.Refused ?? 0,
        TimersFired = Volatile.Read(ref _counters.TimersFired),
        TimerOverflows = _timers?.Overflows ?? 0,
        SteeredOut = _steering?.SteeredOut ?? 0,
        SteeredIn = _steering?.SteeredIn ?? 0,
        SteeringDrops = _steering?.Drops ?? 0,
        FramesNotReturned = _framesNotReturned,
        Port = ReadPortStats(),
    };

    private protected override void Run()
    {
        try
        {
            if (Options.Cpu is int cpu) CpuAffinity.PinCurrentThread(cpu);
            TPort port = _openPort() ?? throw new InvalidOperationException($"worker {Id}: the port factory returned null");
            RunOnPort(port);
        }
        finally
        {
            // Also when the port never opened: peers may have handed us frames that must go home.
            _steering?.Quiesce(null);
        }
    }

    private void RunOnPort(TPort port)
    {
        FramePool pool = port.Pool;
        TxBuffer? tx = null;
        try
        {
            Port = port.Info;
            _openedPort = port;
            IClock clock = Options.Clock;
            _timers = new TimerWheel(clock.NowNanoseconds, Options.TimerTickNanoseconds, Options.TimerWheelSize, Options.TimerCapacity);
            _tx = tx = new TxBuffer(Options.TxCapacity);
            _steering?.Attach(pool, Options.BurstSize);
            IWorkerApplication application = _createApplication(Id)
                ?? throw new InvalidOperationException($"worker {Id}: the application factory returned null");
            application.Start(new WorkerContext(Id, port, clock, _timers, tx));
            MarkRunning();

            Loop(port, application, tx, _timers, clock);

            MarkStopping();
            application.Stop();
            // What the application queued while stopping (IGMP leaves, last replies) gets one chance to go out.
            _counters.TxPackets += tx.Drain(port);
        }
        finally
        {
            MarkStopping();
            try
            {
                _steering?.Quiesce(pool);
                tx?.Clear(pool);
                port.Flush();
            }
            finally
            {
                CloseAndCount(port, pool);
            }
        }
    }

    private void Loop(TPort port, IWorkerApplication application, TxBuffer tx, TimerWheel timers, IClock clock)
    {
        var burst = new Packet[Options.BurstSize];
        var idle = new IdleController(Options.Idle);
        // Boxed once here (for a struct port), never in the loop.
        IWaitablePort? waitable = port as IWaitablePort;
        FlowSteeringEndpoint? steering = _steering;
        ref WorkerCounters counters = ref _counters;
        while (!StopRequested)
        {
            int received = port.Receive(burst);
            counters.RxPackets += received;
            if (steering is not null) received = steering.Steer(burst, received);
            if (received > 0) application.Receive(burst.AsSpan(0, received));

            int sent = tx.Drain(port);
            counters.TxPackets += sent;

            long now = clock.NowNanoseconds;
            int fired = timers.Advance(now);
            counters.TimersFired += fired;
            application.Poll(now);

            counters.Loops++;
            // Packets still queued (the port refused some, or Poll queued new ones) are work for the next
            // iteration: sleeping on them would add a millisecond of latency.
            if (received == 0 && sent == 0 && fired == 0 && tx.Count == 0)
            {
                counters.IdleLoops++;
                if (idle.Idle(waitable)) counters.Sleeps++;
            }
            else
            {
                idle.Reset();
            }
        }
    }

    private void CloseAndCount(TPort port, FramePool pool)
    {
        try
        {
            _finalPortStats = port.Stats;
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException)
        {
            // The counters stay as last read; the port could not say more.
        }
        _openedPort = null;
        port.Dispose();
        // Read after Dispose: a port returns the frames it held (fill and completion rings) when it closes.
        _framesNotReturned = pool.InUse;
    }

    private PortStats ReadPortStats()
    {
        IPacketPort? port = _openedPort;
        if (port is null) return _finalPortStats;
        try
        {
            return port.Stats;
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException)
        {
            // Closed between the check and the read: the worker kept the last counters.
            return _finalPortStats;
        }
    }
}
