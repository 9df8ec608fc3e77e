using System.Diagnostics;

namespace FastPath.Cli.Hosting;

/// <summary>
/// Calls a sampler on a thread of its own at whole seconds after <see cref="Start"/> (the n-th call is due at
/// start + n s, so a slow call does not shift the ones after it), until <see cref="Stop"/> or until the
/// sampler returns false. The reporters that read what the workers publish share it; no worker runs it.
/// </summary>
internal sealed class SecondTicker(string threadName, Func<bool> tick) : IDisposable
{
    private readonly ManualResetEventSlim _stop = new();
    private Thread? _thread;

    /// <summary>The Stopwatch timestamp of <see cref="Start"/>.</summary>
    public long Started { get; private set; }

    /// <summary>Starts the thread, counting seconds from <paramref name="started"/> (a Stopwatch timestamp the caller took before, so its own state for the first call is set before the thread exists). No call now.</summary>
    public void Start(long started)
    {
        if (_thread is not null) return;
        Started = started;
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>Stops the thread and waits for it (its writes are visible to the caller afterwards); false if it was not running.</summary>
    public bool Stop()
    {
        if (_thread is null) return false;
        _stop.Set();
        _thread.Join();
        _thread = null;
        return true;
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
    }

    private void Run()
    {
        long second = Stopwatch.Frequency;
        for (int n = 1; ; n++)
        {
            long wait = Started + n * second - Stopwatch.GetTimestamp();
            if (_stop.Wait(TimeSpan.FromSeconds(Math.Max(0, wait) / (double)second))) return;
            if (!tick()) return;
        }
    }
}
