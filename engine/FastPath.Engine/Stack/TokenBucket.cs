namespace FastPath.Engine.Stack;

/// <summary>
/// A token bucket in integer arithmetic: tokens are kept in units of 1/1e9 token, so a refill at any rate
/// per second is exact with nanosecond time and nothing is rounded away between calls.
/// </summary>
internal sealed class TokenBucket
{
    private const long Scale = 1_000_000_000;

    private readonly long _ratePerSecond;
    private readonly long _capacity;
    private long _tokens;
    private long _last;

    public TokenBucket(int ratePerSecond, int burst, long now)
    {
        _ratePerSecond = ratePerSecond;
        _capacity = burst * Scale;
        _tokens = _capacity;
        _last = now;
    }

    public bool TryTake(long now)
    {
        long elapsed = now - _last;
        _last = now;
        if (elapsed > 0 && _ratePerSecond > 0)
        {
            // Elapsed time past a full refill adds nothing; capping it first keeps the product from overflowing.
            long full = _capacity / _ratePerSecond + 1;
            _tokens = Math.Min(_capacity, _tokens + Math.Min(elapsed, full) * _ratePerSecond);
        }
        if (_tokens < Scale) return false;
        _tokens -= Scale;
        return true;
    }
}
