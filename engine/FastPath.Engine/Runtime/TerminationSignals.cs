using System.Runtime.InteropServices;

namespace FastPath.Engine.Runtime;

/// <summary>
/// Turns the first SIGINT or SIGTERM into a cancellation (pass <see cref="Token"/> to
/// <see cref="Engine.Run"/>) instead of the runtime's immediate exit, so workers stop gracefully and the
/// counters get printed. A second signal is left to its default action: a stuck process can still be
/// interrupted from the keyboard.
/// </summary>
public sealed class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private int _received;

    public TerminationSignals()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled at the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Received { get; private set; }

    /// <summary>Cancels <see cref="Token"/> as a signal would (for tests and for stopping from code).</summary>
    public void Trigger() => _cancellation.Cancel();

    /// <summary>Cancels <see cref="Token"/> after <paramref name="delay"/> unless a signal comes first (a run's --duration).</summary>
    public void TriggerAfter(TimeSpan delay) => _cancellation.CancelAfter(delay);

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cancellation.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Exchange(ref _received, 1) != 0) return;
        Received = context.Signal;
        // Only the first one is ours: cancelling the default action keeps the process alive to stop cleanly.
        context.Cancel = true;
        _cancellation.Cancel();
    }
}
