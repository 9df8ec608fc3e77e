using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Threading;
using NumberedFrames = FastPath.Engine.Tests.Ports.TestFrames;

namespace FastPath.Engine.Tests.Runtime;

// Inside FastPath.* namespaces the name Engine means the namespace FastPath.Engine: the alias has to sit
// inside this namespace to be found first.
using Engine = FastPath.Engine.Runtime.Engine;

public class WorkerTests
{
    // Guards against a hang, never a performance assertion.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public void An_echo_worker_bounces_every_frame_in_order_and_counts_them_exactly()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 512 });
        using (a)
        {
            var echo = new EchoApplication();
            var worker = new Worker<MemoryPort>(3, () => b, _ => echo, new WorkerOptions { Idle = IdleStrategy.BusyPoll });
            worker.Start();
            Assert.True(worker.WaitUntilRunning(Patience), worker.Failure?.ToString());
            Assert.Equal(WorkerState.Running, worker.State);
            Assert.Equal("memory1", worker.Port?.Name);

            const int Frames = 5000;
            List<int> echoed = SendAndCollect(a, Frames);

            Assert.Equal(Enumerable.Range(0, Frames), echoed);
            Assert.True(worker.Stop(Patience));
            Assert.Null(worker.Failure);
            Assert.Equal((1, 1), (echo.Started, echo.Stopped));
            WorkerStatistics stats = worker.Statistics;
            Assert.Equal(WorkerState.Stopped, stats.State);
            Assert.Equal(3, stats.WorkerId);
            Assert.Equal((Frames, Frames), (stats.RxPackets, stats.TxPackets));
            Assert.Equal((Frames, Frames), (stats.Port.RxPackets, stats.Port.TxPackets));
            Assert.Equal(0, stats.TxRefused);
            Assert.True(stats.Loops >= 1);
            Assert.Equal(0, stats.FramesNotReturned);
            a.Flush();
            Assert.Equal(0, a.Pool.InUse);
        }
    }

    [Fact]
    public void Stopping_under_traffic_leaves_every_frame_back_in_its_pool()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 256, RingSize = 64 });
        FramePool poolA = a.Pool;
        FramePool poolB = b.Pool;
        var worker = new Worker<MemoryPort>(0, () => b, _ => new EchoApplication(), new WorkerOptions { Idle = IdleStrategy.BusyPoll, TxCapacity = 32 });
        worker.Start();
        Assert.True(worker.WaitUntilRunning(Patience));
        var burst = new Packet[32];
        int sequence = 0;
        // Keep the wire busy in both directions, then stop in the middle of it.
        for (int round = 0; round < 200; round++)
        {
            int n = poolA.AllocateBurst(burst);
            for (int i = 0; i < n; i++)
            {
                burst[i].Length = 64;
                NumberedFrames.Fill(poolA.Region.GetSpan(burst[i]), sequence++);
            }
            int sent = a.Transmit(burst.AsSpan(0, n));
            poolA.Free(burst.AsSpan(sent, n - sent));
            int received = a.Receive(burst);
            poolA.Free(burst.AsSpan(0, received));
        }
        Assert.True(worker.Stop(Patience));
        Assert.Null(worker.Failure);
        a.Dispose();
        Assert.Equal(0, poolA.InUse);
        Assert.Equal(0, poolB.InUse);
    }

    [Fact]
    public void Frames_the_application_keeps_are_reported_as_not_returned()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64 });
        using (a)
        {
            var sink = new SinkApplication(keep: 5, freeKeptOnStop: false);
            var worker = new Worker<MemoryPort>(0, () => b, _ => sink, new WorkerOptions { Idle = IdleStrategy.BusyPoll });
            worker.Start();
            Assert.True(worker.WaitUntilRunning(Patience));
            Assert.Equal(8, a.Transmit(Enumerable.Range(0, 8).Select(i => NumberedFrames.Allocate(a.Pool, i)).ToArray()));
            SpinUntil(() => sink.Received == 8);
            Assert.True(worker.Stop(Patience));
            Assert.Equal(5, worker.Statistics.FramesNotReturned);
        }
    }

    [Fact]
    public void The_worker_allocates_nothing_per_packet_over_a_million_packets()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 4096 });
        (FramePool poolA, FramePool poolB) = (a.Pool, b.Pool);
        var sink = new MeasuringSink(warmup: 100_000, measured: 1_000_000);
        var generator = new MeasuringGenerator();
        var options = new WorkerOptions { Idle = IdleStrategy.Adaptive };
        var receiver = new Worker<MemoryPort>(0, () => b, _ => sink, options);
        var sender = new Worker<MemoryPort>(1, () => a, _ => generator, options);
        using var engine = new Engine([receiver, sender]);
        engine.Start();
        Assert.True(sink.Done.Wait(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken), $"received {sink.Received} of {sink.Target}");
        Assert.True(engine.Stop());
        Assert.Null(receiver.Failure);
        Assert.Null(sender.Failure);

        // A single allocation per packet would be at least 24 MB here; per burst, at least 700 KB.
        Assert.True(sink.AllocatedWhileMeasuring < 1024, $"the receiving worker allocated {sink.AllocatedWhileMeasuring} bytes over {sink.MeasuredPackets} packets");
        Assert.True(generator.AllocatedWhileMeasuring(sink) < 1024, $"the sending worker allocated {generator.AllocatedWhileMeasuring(sink)} bytes");
        Assert.True(sink.MeasuredPackets >= 1_000_000);
        // Not the workers' FramesNotReturned: frames on the wire return to the sender only when the second
        // end closes, which may be after the sender counted.
        Assert.Equal((0, 0), (poolA.InUse, poolB.InUse));
    }

    [Fact]
    public void An_idle_adaptive_worker_sleeps_in_the_ports_wait_and_a_busy_polling_one_never_does()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64 });
        using (a)
        {
            var waitable = new WaitableMemoryPort(b);
            var adaptive = new Worker<WaitableMemoryPort>(0, () => waitable, _ => new SinkApplication(),
                new WorkerOptions { Idle = new IdleStrategy { SpinLoops = 10, YieldLoops = 10, SleepMilliseconds = 1 } });
            adaptive.Start();
            Assert.True(adaptive.WaitUntilRunning(Patience));
            SpinUntil(() => adaptive.Statistics.Sleeps >= 5);
            Assert.True(adaptive.Stop(Patience));
            WorkerStatistics stats = adaptive.Statistics;
            Assert.True(waitable.Waits >= stats.Sleeps && stats.Sleeps >= 5, $"{waitable.Waits} waits, {stats.Sleeps} sleeps");
            Assert.Equal(1, waitable.TimeoutMilliseconds);
            Assert.True(stats.IdleLoops >= 20 + stats.Sleeps);
        }

        var (c, d) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64 });
        using (c)
        {
            var busy = new Worker<MemoryPort>(0, () => d, _ => new SinkApplication(), new WorkerOptions { Idle = IdleStrategy.BusyPoll });
            busy.Start();
            Assert.True(busy.WaitUntilRunning(Patience));
            SpinUntil(() => busy.Statistics.IdleLoops >= 10_000);
            Assert.True(busy.Stop(Patience));
            Assert.Equal(0, busy.Statistics.Sleeps);
        }
    }

    [Fact]
    public void A_worker_pinned_to_a_cpu_runs_its_application_there()
    {
        int cpu = CpuAffinity.AllowedCpus()[^1];
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 });
        using (a)
        {
            var probe = new AffinityProbe();
            var worker = new Worker<MemoryPort>(0, () => b, _ => probe, new WorkerOptions { Cpu = cpu });
            worker.Start();
            Assert.True(worker.WaitUntilRunning(Patience));
            Assert.True(worker.Stop(Patience));
            Assert.Equal(cpu.ToString(System.Globalization.CultureInfo.InvariantCulture), probe.AllowedList);
            Assert.Equal(cpu, worker.Statistics.Cpu);
        }
    }

    [Fact]
    public void A_failing_application_stops_the_worker_closes_its_port_and_keeps_the_exception()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 });
        using (a)
        {
            var worker = new Worker<MemoryPort>(0, () => b, _ => new FailingApplication("poll"));
            worker.Start();
            Assert.True(worker.Join(Patience));
            Assert.False(worker.WaitUntilRunning(TimeSpan.Zero));
            Assert.Equal(WorkerState.Stopped, worker.State);
            Assert.Equal("failed in Poll", Assert.IsType<InvalidOperationException>(worker.Failure).Message);
            Assert.Throws<ObjectDisposedException>(() => b.Receive(new Packet[1]));
        }
    }

    [Fact]
    public void A_port_that_fails_to_open_is_the_workers_failure()
    {
        var worker = new Worker<MemoryPort>(0, () => throw new IOException("no such interface"), _ => new SinkApplication());
        worker.Start();
        Assert.False(worker.WaitUntilRunning(Patience));
        Assert.IsType<IOException>(worker.Failure);
        Assert.Throws<InvalidOperationException>(worker.Start);
    }

    [Fact]
    public void Timers_scheduled_by_the_application_fire_on_the_worker_thread_with_the_workers_clock()
    {
        var clock = new ManualClock(startNanoseconds: 1_000_000_000);
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 });
        using (a)
        {
            var app = new TimerApplication();
            var worker = new Worker<MemoryPort>(0, () => b, _ => app, new WorkerOptions { Clock = clock, Idle = IdleStrategy.BusyPoll });
            worker.Start();
            Assert.True(worker.WaitUntilRunning(Patience));
            SpinUntil(() => worker.Statistics.Loops > 100);
            Assert.Equal(0, app.FiredAt);
            clock.AdvanceNanoseconds(5_000_000);
            SpinUntil(() => Volatile.Read(ref app.FiredAt) != 0);
            Assert.True(worker.Stop(Patience));
            Assert.Equal(1_005_000_000, app.FiredAt);
            Assert.Equal(app.WorkerThread, app.TimerThread);
            Assert.Equal(1, worker.Statistics.TimersFired);
        }
    }

    private static List<int> SendAndCollect(MemoryPort port, int frames)
    {
        var echoed = new List<int>(frames);
        var burst = new Packet[32];
        int sent = 0;
        var deadline = DateTime.UtcNow + Patience;
        while (echoed.Count < frames)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {echoed.Count} of {frames} came back");
            // A window of frames in flight, so the echoes always find free frames to be copied into (a
            // memory port drops a frame that arrives to an empty pool, as AF_XDP does with an empty fill ring).
            if (sent < frames && sent - echoed.Count < 64)
            {
                Packet packet = NumberedFrames.Allocate(port.Pool, sent);
                if (port.Transmit([packet]) == 1) sent++;
                else port.Pool.Free(packet);
            }
            int n = port.Receive(burst);
            for (int i = 0; i < n; i++) echoed.Add(NumberedFrames.SequenceOf(port.Pool, burst[i]));
            port.Pool.Free(burst.AsSpan(0, n));
        }
        return echoed;
    }

    internal static void SpinUntil(Func<bool> condition)
    {
        Assert.True(SpinWait.SpinUntil(condition, Patience), "the condition never became true");
    }

    private sealed class MeasuringSink(long warmup, long measured) : IWorkerApplication
    {
        private WorkerContext? _context;
        private long _received;
        private long _startBytes = -1;

        public long Target => warmup + measured;

        public long Received => Volatile.Read(ref _received);

        public ManualResetEventSlim Done { get; } = new();

        public long AllocatedWhileMeasuring { get; private set; }

        public long MeasuredPackets { get; private set; }

        public long StartedAtPacket { get; private set; }

        public void Start(WorkerContext context) => _context = context;

        public void Receive(Span<Packet> packets)
        {
            _context!.Pool.Free(packets);
            _received += packets.Length;
            if (_startBytes < 0 && _received >= warmup)
            {
                _startBytes = GC.GetAllocatedBytesForCurrentThread();
                StartedAtPacket = _received;
            }
            else if (_startBytes >= 0 && !Done.IsSet && _received - StartedAtPacket >= measured)
            {
                AllocatedWhileMeasuring = GC.GetAllocatedBytesForCurrentThread() - _startBytes;
                MeasuredPackets = _received - StartedAtPacket;
                Done.Set();
            }
        }

        public void Poll(long nowNanoseconds)
        {
        }

        public void Stop()
        {
        }
    }

    private sealed class MeasuringGenerator : IWorkerApplication
    {
        private readonly GeneratorApplication _inner = new();
        private long _startBytes = -1;
        private long _allocated = -1;
        private WorkerContext? _context;

        public long AllocatedWhileMeasuring(MeasuringSink sink) => Volatile.Read(ref _allocated);

        public void Start(WorkerContext context)
        {
            _context = context;
            _inner.Start(context);
        }

        public void Receive(Span<Packet> packets) => _inner.Receive(packets);

        public void Poll(long nowNanoseconds)
        {
            _inner.Poll(nowNanoseconds);
            // The sender's own window: the same packet counts as the sink's, from what it has queued.
            long queued = _inner.Queued;
            if (_startBytes < 0 && queued >= 100_000) _startBytes = GC.GetAllocatedBytesForCurrentThread();
            else if (_startBytes >= 0 && _allocated < 0 && queued >= 1_100_000) Volatile.Write(ref _allocated, GC.GetAllocatedBytesForCurrentThread() - _startBytes);
        }

        public void Stop()
        {
            if (_allocated < 0) _allocated = long.MaxValue;
            _ = _context;
        }
    }

    private sealed class WaitableMemoryPort(MemoryPort inner) : IPacketPort, IWaitablePort
    {
        private int _waits;

        public int Waits => Volatile.Read(ref _waits);

        public int TimeoutMilliseconds { get; private set; }

        public PortInfo Info => inner.Info;

        public FramePool Pool => inner.Pool;

        public PortStats Stats => inner.Stats;

        public int Receive(Span<Packet> packets) => inner.Receive(packets);

        public int Transmit(ReadOnlySpan<Packet> packets) => inner.Transmit(packets);

        public void Flush() => inner.Flush();

        public bool WaitForReceive(int timeoutMilliseconds)
        {
            TimeoutMilliseconds = timeoutMilliseconds;
            Interlocked.Increment(ref _waits);
            Thread.Sleep(timeoutMilliseconds);
            return false;
        }

        public void Dispose() => inner.Dispose();
    }

    private sealed class AffinityProbe : IWorkerApplication
    {
        public string? AllowedList { get; private set; }

        public void Start(WorkerContext context) =>
            AllowedList = File.ReadLines("/proc/thread-self/status").First(line => line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split('\t', 2)[1].Trim();

        public void Receive(Span<Packet> packets)
        {
        }

        public void Poll(long nowNanoseconds)
        {
        }

        public void Stop()
        {
        }
    }

    private sealed class TimerApplication : IWorkerApplication, ITimerHandler
    {
        public long FiredAt;

        public int WorkerThread { get; private set; }

        public int TimerThread { get; private set; }

        public void Start(WorkerContext context)
        {
            WorkerThread = Environment.CurrentManagedThreadId;
            context.Timers.Schedule(context.Clock.NowNanoseconds + 5_000_000, this, cookie: 1);
        }

        public void OnTimer(long cookie, long nowNanoseconds)
        {
            TimerThread = Environment.CurrentManagedThreadId;
            Volatile.Write(ref FiredAt, nowNanoseconds);
        }

        public void Receive(Span<Packet> packets)
        {
        }

        public void Poll(long nowNanoseconds)
        {
        }

        public void Stop()
        {
        }
    }
}
