using FastPath.Engine.Ports;

namespace FastPath.Engine.Runtime;

/// <summary>
/// One poll-mode worker: a thread of its own (pinned when given a CPU) that opens its port, runs its
/// <see cref="IWorkerApplication"/> to completion burst after burst, and closes the port when told to stop.
/// The loop lives in <see cref="Worker{TPort}"/>, specialised for the port type; this base is what an
/// <see cref="Engine"/> and a monitoring thread see.
/// </summary>
public abstract class Worker
{
    // Tasks rather than events: nothing to dispose, and the engine can wait on any of several at once.
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _thread;
    private volatile int _state;
    private volatile bool _stopRequested;

    private protected Worker(int id, WorkerOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentNullException.ThrowIfNull(options);
        Id = id;
        Options = options;
    }

    public int Id { get; }

    public WorkerOptions Options { get; }

    public WorkerState State => (WorkerState)_state;

    /// <summary>What ended the worker abnormally (opening the port, the application, the loop); null otherwise.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>The port's description once the worker has opened it.</summary>
    public PortInfo? Port { get; private protected set; }

    /// <summary>True once a stop was asked for: the loop checks it every iteration.</summary>
    public bool StopRequested => _stopRequested;

    /// <summary>A snapshot of the worker's counters; callable from any thread.</summary>
    public abstract WorkerStatistics Statistics { get; }

    /// <summary>Starts the worker's thread; returns at once (see <see cref="WaitUntilRunning"/>).</summary>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, (int)WorkerState.Starting, (int)WorkerState.Created) != (int)WorkerState.Created)
            throw new InvalidOperationException($"worker {Id} was already started");
        _thread = new Thread(ThreadMain)
        {
            Name = Options.ThreadName ?? $"fastpath worker {Id}",
            // A forgotten Stop must not keep the process alive; Engine.Stop joins the threads it started.
            IsBackground = true,
        };
        _thread.Start();
    }

    /// <summary>
    /// Waits until the worker is in its loop (port open, application started), or has stopped. True when it
    /// is running; false on timeout or when it stopped first (<see cref="Failure"/> says why).
    /// </summary>
    public bool WaitUntilRunning(TimeSpan timeout)
    {
        if (!_running.Task.Wait(timeout)) return false;
        return State is WorkerState.Running;
    }

    /// <summary>Asks the loop to stop; returns at once. The worker stops its application, sends what is queued and closes its port.</summary>
    public void RequestStop() => _stopRequested = true;

    /// <summary>Waits for the thread to end; true when it has (also true for a worker never started).</summary>
    public bool Join(TimeSpan timeout)
    {
        if (_thread is null) return true;
        return _exited.Task.Wait(timeout);
    }

    /// <summary>Completes when the worker's thread has ended.</summary>
    internal Task Exited => _exited.Task;

    /// <summary>Asks the worker to stop and waits up to <paramref name="timeout"/> for it.</summary>
    public bool Stop(TimeSpan timeout)
    {
        RequestStop();
        return Join(timeout);
    }

    /// <summary>Pins, opens, starts and runs; everything on the worker's own thread.</summary>
    private protected abstract void Run();

    private protected void MarkRunning()
    {
        _state = (int)WorkerState.Running;
        _running.TrySetResult();
    }

    private protected void MarkStopping() => _state = (int)WorkerState.Stopping;

    private void ThreadMain()
    {
        try
        {
            Run();
        }
#pragma warning disable CA1031 // A worker's failure is kept for the engine, which rethrows it on the caller's thread.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failure = e;
        }
        finally
        {
            _state = (int)WorkerState.Stopped;
            _running.TrySetResult();
            _exited.TrySetResult();
        }
    }
}
