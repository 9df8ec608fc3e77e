using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using NumberedFrames = FastPath.Engine.Tests.Ports.TestFrames;

namespace FastPath.Engine.Tests.Runtime;

using Engine = FastPath.Engine.Runtime.Engine;

public class EngineTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Run_serves_every_port_until_cancelled_and_returns_exact_totals()
    {
        var pairs = new[] { MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 256 }), MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 256 }) };
        var sinks = new[] { new SinkApplication(), new SinkApplication() };
        var openedOn = new int[2];
        var bindings = pairs.Select((pair, i) => new PortBinding<MemoryPort>(() =>
        {
            openedOn[i] = Environment.CurrentManagedThreadId;
            return pair.B;
        })).ToArray();
        using var engine = Engine.Create(bindings, id => sinks[id], new EngineOptions { Worker = new WorkerOptions { Idle = IdleStrategy.BusyPoll } });
        using var stop = new CancellationTokenSource();
        Task<EngineStatistics> run = Task.Run(() => engine.Run(stop.Token), TestContext.Current.CancellationToken);

        // 100 frames into worker 0's port, 40 into worker 1's.
        int[] counts = [100, 40];
        for (int p = 0; p < 2; p++)
        {
            SpinUntilRunning(engine);
            for (int i = 0; i < counts[p]; i++) Assert.Equal(1, pairs[p].A.Transmit([NumberedFrames.Allocate(pairs[p].A.Pool, i)]));
        }
        WorkerTests.SpinUntil(() => sinks[0].Received == 100 && sinks[1].Received == 40);
        stop.Cancel();
        EngineStatistics final = await run.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal([100L, 40L], final.Workers.Select(w => w.RxPackets));
        Assert.Equal(140, final.Totals.RxPackets);
        Assert.Equal(140, final.Totals.Port.RxPackets);
        Assert.All(final.Workers, w => Assert.Equal(WorkerState.Stopped, w.State));
        Assert.Equal(0, final.Totals.FramesNotReturned);
        Assert.NotEqual(openedOn[0], openedOn[1]);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, openedOn);
        foreach (var (a, _) in pairs) a.Dispose();
    }

    [Fact]
    public void Statistics_are_written_as_json_with_per_worker_objects_and_totals()
    {
        var pairs = new[] { MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64 }), MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64 }) };
        using var engine = Engine.Create([new PortBinding<MemoryPort>(() => pairs[0].B), new PortBinding<MemoryPort>(() => pairs[1].B)], _ => new SinkApplication());
        engine.Start();
        Assert.Equal(3, pairs[1].A.Transmit([NumberedFrames.Allocate(pairs[1].A.Pool, 1), NumberedFrames.Allocate(pairs[1].A.Pool, 2), NumberedFrames.Allocate(pairs[1].A.Pool, 3)]));
        WorkerTests.SpinUntil(() => engine.Statistics.Totals.RxPackets == 3);
        Assert.True(engine.Stop());

        using JsonDocument json = JsonDocument.Parse(engine.Statistics.ToJson(indented: true));
        JsonElement workers = json.RootElement.GetProperty("workers");
        Assert.Equal(2, workers.GetArrayLength());
        Assert.Equal(1, workers[1].GetProperty("worker").GetInt32());
        Assert.Equal(-1, workers[1].GetProperty("cpu").GetInt32());
        Assert.Equal("stopped", workers[1].GetProperty("state").GetString());
        Assert.Equal(3, workers[1].GetProperty("rx_packets").GetInt64());
        Assert.Equal(3, workers[1].GetProperty("port").GetProperty("rx_bytes").GetInt64() / 64);
        JsonElement totals = json.RootElement.GetProperty("totals");
        Assert.False(totals.TryGetProperty("worker", out _));
        Assert.Equal(3, totals.GetProperty("rx_packets").GetInt64());
        Assert.Equal(0, totals.GetProperty("frames_not_returned").GetInt64());
        foreach (string name in new[] { "loops", "idle_loops", "sleeps", "tx_packets", "tx_refused", "timers_fired", "timer_overflows", "steered_out", "steered_in", "steering_drops" })
            Assert.True(totals.TryGetProperty(name, out _), name);
        foreach (var (a, _) in pairs) a.Dispose();
    }

    [Fact]
    public void A_worker_that_fails_to_start_fails_Start_and_stops_the_others()
    {
        var pairs = new[] { MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 }), MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 }) };
        var good = new EchoApplication();
        using var engine = Engine.Create([new PortBinding<MemoryPort>(() => pairs[0].B), new PortBinding<MemoryPort>(() => pairs[1].B)],
            id => id == 0 ? good : new FailingApplication("start"));
        var failure = Assert.Throws<InvalidOperationException>(engine.Start);
        Assert.Equal("failed in Start", failure.Message);
        Assert.All(engine.Workers, worker => Assert.Equal(WorkerState.Stopped, worker.State));
        foreach (var (a, _) in pairs) a.Dispose();
    }

    [Fact]
    public async Task A_worker_failing_while_running_ends_Run_with_its_exception_and_stops_the_rest()
    {
        var pairs = new[] { MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 }), MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 }) };
        var healthy = new EchoApplication();
        using var engine = Engine.Create([new PortBinding<MemoryPort>(() => pairs[0].B), new PortBinding<MemoryPort>(() => pairs[1].B)],
            id => id == 0 ? healthy : new FailingApplication("receive"));
        Task<EngineStatistics> run = Task.Run(() => engine.Run(CancellationToken.None), TestContext.Current.CancellationToken);
        SpinUntilRunning(engine);
        // A frame to worker 1 makes its application throw.
        Assert.Equal(1, pairs[1].A.Transmit([NumberedFrames.Allocate(pairs[1].A.Pool, 1)]));
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(Patience, TestContext.Current.CancellationToken));
        Assert.Equal("failed in Receive", failure.Message);
        Assert.Equal(1, healthy.Stopped);
        Assert.All(engine.Workers, worker => Assert.Equal(WorkerState.Stopped, worker.State));
        foreach (var (a, _) in pairs) a.Dispose();
    }

    [Fact]
    public void Create_with_a_cpu_list_opens_queue_i_on_worker_i()
    {
        var pairs = new[] { MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 }), MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 }) };
        var cpus = FastPath.Engine.Threading.CpuAffinity.AllowedCpus();
        int[] chosen = [cpus[0], cpus[^1]];
        using var engine = Engine.Create(chosen, queue => pairs[queue].B, _ => new SinkApplication());
        engine.Start();
        Assert.Equal(["memory1", "memory1"], engine.Workers.Select(w => w.Port?.Name));
        Assert.Equal(chosen, engine.Workers.Select(w => w.Statistics.Cpu));
        Assert.True(engine.Stop());
        foreach (var (a, _) in pairs) a.Dispose();
    }

    [Fact]
    public void Engine_arguments_are_checked()
    {
        Assert.Throws<ArgumentException>(() => new Engine([]));
        var one = new Worker<MemoryPort>(1, () => throw new InvalidOperationException(), _ => new SinkApplication());
        var same = new Worker<MemoryPort>(1, () => throw new InvalidOperationException(), _ => new SinkApplication());
        Assert.Throws<ArgumentException>(() => new Engine([one, same]));
        Assert.Throws<ArgumentException>(() => Engine.Create(Array.Empty<PortBinding<MemoryPort>>(), _ => new SinkApplication()));
    }

    [Fact]
    public void TerminationSignals_turns_the_first_SIGTERM_into_a_cancellation()
    {
        using var signals = new TerminationSignals();
        Assert.False(signals.Token.IsCancellationRequested);
        using (Process kill = Process.Start("kill", ["-TERM", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
            Assert.Equal(0, kill.ExitCode);
        }
        Assert.True(signals.Token.WaitHandle.WaitOne(Patience));
        Assert.Equal(PosixSignal.SIGTERM, signals.Received);
    }

    [Fact]
    public async Task TerminationSignals_stops_a_running_engine_gracefully()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 });
        using var signals = new TerminationSignals();
        var echo = new EchoApplication();
        using var engine = Engine.Create([new PortBinding<MemoryPort>(() => b)], _ => echo);
        Task<EngineStatistics> run = Task.Run(() => engine.Run(signals.Token), TestContext.Current.CancellationToken);
        SpinUntilRunning(engine);
        signals.Trigger();
        await run.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(1, echo.Stopped);
        a.Dispose();
    }

    private static void SpinUntilRunning(Engine engine) =>
        WorkerTests.SpinUntil(() => engine.Workers.All(w => w.State == WorkerState.Running) || engine.Workers.Any(w => w.State == WorkerState.Stopped));
}
