using System.Runtime.InteropServices;

namespace FastPath.Cli.Hosting;

/// <summary>
/// Turns the first SIGINT or SIGTERM into a cancellation, so data-path commands stop their loops, print
/// their totals and dispose their ports (which detaches XDP programs). A second signal is left to its
/// default action: a user pressing Ctrl-C twice wants out now, and the BPF link still goes with the process.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private int _signals;

    public StopSignal()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationTokenSource Source => _source;

    public CancellationToken Token => _source.Token;

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1) return;
        context.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _source.Dispose();
    }
}
