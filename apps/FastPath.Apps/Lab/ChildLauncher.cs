using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace FastPath.Apps.Lab;

/// <summary>
/// Starts child processes from one thread that lives as long as the process. PR_SET_PDEATHSIG fires when
/// the *thread* that forked the child exits, not the process (prctl(2)), so a child forked from a
/// thread-pool thread would be killed when the pool retires that thread; forking from a thread that never
/// ends makes the signal mean "the parent process died".
/// </summary>
internal static class ChildLauncher
{
    private static readonly BlockingCollection<Request> Requests = [];

    static ChildLauncher()
    {
        var thread = new Thread(Serve) { IsBackground = true, Name = "fastpath lab launcher" };
        thread.Start();
    }

    public static Process Start(ProcessStartInfo start)
    {
        using var request = new Request(start);
        Requests.Add(request);
        request.Done.Wait();
        request.Failure?.Throw();
        return request.Process!;
    }

    private static void Serve()
    {
        foreach (Request request in Requests.GetConsumingEnumerable())
        {
            try
            {
                request.Process = Process.Start(request.StartInfo) ?? throw new InvalidOperationException($"could not start {request.StartInfo.FileName}");
            }
#pragma warning disable CA1031 // The failure is handed to the caller's thread and rethrown there.
            catch (Exception e)
#pragma warning restore CA1031
            {
                request.Failure = ExceptionDispatchInfo.Capture(e);
            }
            request.Done.Set();
        }
    }

    private sealed class Request(ProcessStartInfo start) : IDisposable
    {
        public ProcessStartInfo StartInfo { get; } = start;

        public ManualResetEventSlim Done { get; } = new();

        public Process? Process { get; set; }

        public ExceptionDispatchInfo? Failure { get; set; }

        public void Dispose() => Done.Dispose();
    }
}
