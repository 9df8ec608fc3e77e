using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace FastPath.Engine.Tests.Rings;

/// <summary>
/// Runs the threads of a cross-thread ring test and turns a hang into a failure: the run fails when the
/// progress counter stops moving for <see cref="StallLimit"/>, or when it runs past <see cref="RunLimit"/>.
/// Both are far above the expected run time (well under a few seconds on 2 cores), so they catch a lost
/// wake-up or a wedged producer, not a slow machine. Nothing here asserts on time.
/// </summary>
internal static class StressRunner
{
    public static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Starts every worker on a dedicated thread and waits for all of them. Workers poll the token in their
    /// spin loops and return when it is cancelled; the first exception a worker throws cancels the others
    /// and is rethrown here.
    /// </summary>
    public static void Run(Func<long> progress, params Action<CancellationToken>[] workers)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var errors = new ConcurrentQueue<Exception>();
        var threads = new Thread[workers.Length];
        for (int i = 0; i < workers.Length; i++)
        {
            var work = workers[i];
            threads[i] = new Thread(() =>
            {
                try
                {
                    work(cancel.Token);
                }
                catch (Exception e)
                {
                    errors.Enqueue(e);
                    cancel.Cancel();
                }
            })
            { IsBackground = true, Name = $"ring stress {i}" };
        }
        foreach (var thread in threads) thread.Start();

        var clock = Stopwatch.StartNew();
        long last = progress();
        var lastMove = clock.Elapsed;
        string? failure = null;
        foreach (var thread in threads)
        {
            while (failure is null && !thread.Join(100))
            {
                long now = progress();
                if (now != last)
                {
                    last = now;
                    lastMove = clock.Elapsed;
                }
                else if (clock.Elapsed - lastMove > StallLimit)
                    failure = $"no progress for {StallLimit.TotalSeconds} s, stuck at {now}";
                if (clock.Elapsed > RunLimit)
                    failure = $"still running after {RunLimit.TotalSeconds} s, at {now}";
                if (TestContext.Current.CancellationToken.IsCancellationRequested)
                    failure = "test run cancelled";
            }
        }
        if (failure is not null)
        {
            cancel.Cancel();
            foreach (var thread in threads) thread.Join(StallLimit);
        }
        if (errors.TryDequeue(out var error)) ExceptionDispatchInfo.Throw(error);
        if (failure is not null) Assert.Fail(failure);
    }

    /// <summary>A reproducible table of burst sizes in [1, <paramref name="max"/>], cycled by the workers.</summary>
    public static int[] BurstSizes(int seed, int max)
    {
        var random = new Random(seed);
        var sizes = new int[4096];
        for (int i = 0; i < sizes.Length; i++) sizes[i] = random.Next(1, max + 1);
        return sizes;
    }
}
