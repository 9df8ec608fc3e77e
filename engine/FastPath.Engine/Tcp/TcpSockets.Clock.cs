namespace FastPath.Engine.Tcp;

public sealed partial class TcpSockets
{
    // The clock is read once per receive burst, timer expiry or application call and held while it runs:
    // a segment's path reads the time a dozen times (PAWS, RTT sample, deadlines, TSval, idle check), and each
    // read of the monotonic clock costs tens of nanoseconds in a VM, as much as the rest of a small segment's
    // work. Linux does the same with tp->tcp_mstamp, refreshed once per incoming segment batch.
    private long _heldNow;
    private int _clockHolds;
    private bool _burstHoldsClock;

    /// <summary>The worker's time in nanoseconds: the held reading inside a burst, timer or call, else the clock.</summary>
    internal long Now => _clockHolds > 0 ? _heldNow : _stack.Now;

    /// <summary>Reads the clock (unless an outer hold already did) and keeps that reading until <see cref="ReleaseClock"/>.</summary>
    internal void HoldClock()
    {
        if (_clockHolds++ == 0) _heldNow = _stack.Now;
    }

    internal void ReleaseClock() => _clockHolds--;

    /// <summary>The first segment of a receive burst reads the clock; <see cref="Flush"/>, the burst's end, lets it go.</summary>
    private void HoldClockForBurst()
    {
        if (_burstHoldsClock) return;
        _burstHoldsClock = true;
        HoldClock();
    }

    private void ReleaseBurstClock()
    {
        if (!_burstHoldsClock) return;
        _burstHoldsClock = false;
        ReleaseClock();
    }
}
