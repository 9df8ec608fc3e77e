namespace FastPath.Engine.Runtime;

/// <summary>The state of a worker's <see cref="IdleStrategy"/>: how many empty iterations in a row so far.</summary>
internal struct IdleController
{
    private readonly bool _adaptive;
    private readonly int _spinLoops;
    private readonly int _yieldUntil;
    private readonly int _sleepMilliseconds;
    private int _emptyLoops;

    public IdleController(IdleStrategy strategy)
    {
        _adaptive = strategy.Mode == IdleMode.Adaptive;
        _spinLoops = strategy.SpinLoops;
        _yieldUntil = strategy.SpinLoops + strategy.YieldLoops;
        _sleepMilliseconds = strategy.SleepMilliseconds;
        _emptyLoops = 0;
    }

    public void Reset() => _emptyLoops = 0;

    /// <summary>Idles once after an empty iteration; true when it slept.</summary>
    public bool Idle(IWaitablePort? waitable)
    {
        if (!_adaptive) return false;
        if (_emptyLoops < _spinLoops)
        {
            _emptyLoops++;
            // A pause instruction: lets a hyperthread sibling run and saves power while spinning.
            Thread.SpinWait(1);
            return false;
        }
        if (_emptyLoops < _yieldUntil)
        {
            _emptyLoops++;
            Thread.Yield();
            return false;
        }
        if (waitable is not null) waitable.WaitForReceive(_sleepMilliseconds);
        else Thread.Sleep(_sleepMilliseconds);
        return true;
    }
}
