using System.Text.Json;
using FastPath.Engine.Flows;
using FastPath.Engine.Ports;

namespace FastPath.Engine.Runtime;

/// <summary>
/// The workers of one appliance: one per port (one port per queue), each on its own thread with its own
/// application, sharing nothing but the optional flow steering rings. Start them, run until cancelled,
/// stop them gracefully, and read their counters at any time.
/// </summary>
public sealed class Engine : IDisposable
{
    private readonly Worker[] _workers;
    private readonly EngineOptions _options;
    private int _started;

    /// <summary>An engine over workers built by the caller (each with distinct ids).</summary>
    public Engine(IEnumerable<Worker> workers, EngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(workers);
        _workers = workers.ToArray();
        if (_workers.Length == 0) throw new ArgumentException("an engine needs at least one worker", nameof(workers));
        if (_workers.Select(worker => worker.Id).Distinct().Count() != _workers.Length)
            throw new ArgumentException("worker ids must be distinct", nameof(workers));
        _options = options ?? new EngineOptions();
    }

    /// <summary>
    /// One worker per binding, numbered in order: worker i opens its port with <c>ports[i].Open</c> and runs
    /// <c>createApplication(i)</c>, both on its own thread pinned to <c>ports[i].Cpu</c>.
    /// </summary>
    public static Engine Create<TPort>(IReadOnlyList<PortBinding<TPort>> ports, Func<int, IWorkerApplication> createApplication, EngineOptions? options = null)
        where TPort : IPacketPort
    {
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(createApplication);
        if (ports.Count == 0) throw new ArgumentException("an engine needs at least one port", nameof(ports));
        options ??= new EngineOptions();
        FlowSteering? steering = options.FlowSteering && ports.Count > 1
            ? new FlowSteering(ports.Count, options.SteeringRingSize) { QuiesceTimeout = options.StopTimeout / 2 }
            : null;
        var workers = new Worker[ports.Count];
        for (int i = 0; i < ports.Count; i++)
        {
            PortBinding<TPort> binding = ports[i];
            ArgumentNullException.ThrowIfNull(binding.Open, nameof(ports));
            WorkerOptions workerOptions = options.Worker with { Cpu = binding.Cpu };
            workers[i] = new Worker<TPort>(i, binding.Open, createApplication, workerOptions, steering?.GetEndpoint(i));
        }
        return new Engine(workers, options) { Steering = steering };
    }

    /// <summary>One worker per CPU of <paramref name="cpus"/>; worker i opens its port with <c>openPort(i)</c> (queue i).</summary>
    public static Engine Create<TPort>(IReadOnlyList<int> cpus, Func<int, TPort> openPort, Func<int, IWorkerApplication> createApplication, EngineOptions? options = null)
        where TPort : IPacketPort
    {
        ArgumentNullException.ThrowIfNull(cpus);
        ArgumentNullException.ThrowIfNull(openPort);
        var bindings = new PortBinding<TPort>[cpus.Count];
        for (int i = 0; i < cpus.Count; i++)
        {
            int queue = i;
            bindings[i] = new PortBinding<TPort>(() => openPort(queue), cpus[i]);
        }
        return Create(bindings, createApplication, options);
    }

    public IReadOnlyList<Worker> Workers => _workers;

    /// <summary>The steering between workers, when <see cref="EngineOptions.FlowSteering"/> is on and there are several.</summary>
    public FlowSteering? Steering { get; private init; }

    /// <summary>
    /// Starts every worker and waits until each runs (port open, application started). If one fails or does
    /// not start within <see cref="EngineOptions.StartTimeout"/>, stops them all and throws its failure.
    /// </summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("the engine was already started");
        foreach (Worker worker in _workers)
        {
            worker.Start();
            // A worker that fails takes the others down with it, even long after start.
            _ = worker.Exited.ContinueWith(_ => { if (worker.Failure is not null) RequestStop(); }, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        var deadline = DateTime.UtcNow + _options.StartTimeout;
        foreach (Worker worker in _workers)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (worker.WaitUntilRunning(left > TimeSpan.Zero ? left : TimeSpan.Zero)) continue;
            Stop();
            ThrowIfFailed();
            throw new TimeoutException($"worker {worker.Id} did not start within {_options.StartTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Asks every worker to stop; returns at once.</summary>
    public void RequestStop()
    {
        foreach (Worker worker in _workers) worker.RequestStop();
    }

    /// <summary>Stops every worker and waits up to <see cref="EngineOptions.StopTimeout"/>; true when all have ended.</summary>
    public bool Stop()
    {
        RequestStop();
        var deadline = DateTime.UtcNow + _options.StopTimeout;
        bool all = true;
        foreach (Worker worker in _workers)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            all &= worker.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
        return all;
    }

    /// <summary>
    /// Starts, runs until <paramref name="cancellationToken"/> is cancelled or a worker fails, stops, and
    /// returns the final counters. A worker's failure is rethrown (the first one; all of them in an
    /// <see cref="AggregateException"/> when several failed).
    /// </summary>
    public EngineStatistics Run(CancellationToken cancellationToken)
    {
        Start();
        Task[] exits = _workers.Select(worker => worker.Exited).ToArray();
        try
        {
            // Workers exit on their own only when they fail.
            Task.WaitAny(exits, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop: the normal way out.
        }
        if (!Stop()) throw new TimeoutException($"workers did not stop within {_options.StopTimeout.TotalSeconds:0.#} s");
        ThrowIfFailed();
        return Statistics;
    }

    /// <summary>Every worker's counters and their sum, as of now.</summary>
    public EngineStatistics Statistics
    {
        get
        {
            var workers = new WorkerStatistics[_workers.Length];
            for (int i = 0; i < _workers.Length; i++) workers[i] = _workers[i].Statistics;
            return new EngineStatistics(workers);
        }
    }

    /// <summary>The counters as one JSON object (see <see cref="EngineStatistics.WriteJson"/>).</summary>
    public void WriteStatistics(Utf8JsonWriter writer) => Statistics.WriteJson(writer);

    public void Dispose() => Stop();

    private void ThrowIfFailed()
    {
        Exception[] failures = _workers.Select(worker => worker.Failure).OfType<Exception>().ToArray();
        if (failures.Length == 1) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failures[0]);
        if (failures.Length > 1) throw new AggregateException("several workers failed", failures);
    }
}
