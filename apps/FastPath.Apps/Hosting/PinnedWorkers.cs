using System.Runtime.ExceptionServices;
using FastPath.Engine.Ports;
using FastPath.Engine.Threading;

namespace FastPath.Apps.Hosting;

/// <summary>
/// Runs one worker per CPU: each on its own thread pinned to its CPU, opening its own port on that thread
/// (so the port's pool and rings are touched by one core only) and disposing it there.
/// </summary>
public static class PinnedWorkers
{
    /// <summary>
    /// Starts <paramref name="cpus"/>.Count workers; worker i opens its port with <c>open(i)</c> and runs
    /// <c>body(i, port)</c>. Every worker waits until all have opened their ports, then
    /// <paramref name="started"/> runs on the caller's thread (the moment to say "ready") and the bodies
    /// start together. Returns the results in worker order; the first exception is rethrown after every
    /// worker has stopped (<paramref name="stopAll"/> is called when one fails).
    /// </summary>
    public static TResult[] Run<TResult>(IReadOnlyList<int>? cpus, Func<int, IPacketPort> open, Func<int, IPacketPort, TResult> body,
        Action stopAll, Action? started = null)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(stopAll);
        int workers = cpus?.Count ?? 1;
        var results = new TResult[workers];
        var failures = new ExceptionDispatchInfo?[workers];
        var threads = new Thread[workers];
        using var opened = new CountdownEvent(workers);
        using var go = new ManualResetEventSlim();
        for (int i = 0; i < workers; i++)
        {
            int worker = i;
            threads[i] = new Thread(() =>
            {
                bool signalled = false;
                try
                {
                    if (cpus != null) CpuAffinity.PinCurrentThread(cpus[worker]);
                    using IPacketPort port = open(worker);
                    signalled = true;
                    opened.Signal();
                    go.Wait();
                    results[worker] = body(worker, port);
                }
#pragma warning disable CA1031 // Any failure of a worker is carried to the caller, which rethrows it.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failures[worker] = ExceptionDispatchInfo.Capture(e);
                    stopAll();
                    if (!signalled) opened.Signal();
                }
            })
            {
                Name = $"fastpath worker {worker}",
                IsBackground = true,
            };
            threads[i].Start();
        }
        opened.Wait();
        if (failures.All(failure => failure is null)) started?.Invoke();
        go.Set();
        foreach (Thread thread in threads) thread.Join();
        foreach (ExceptionDispatchInfo? failure in failures) failure?.Throw();
        return results;
    }
}
