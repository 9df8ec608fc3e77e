namespace FastPath.Engine.Runtime;

/// <summary>Receives expired timers. One handler object serves many timers, told apart by the cookie.</summary>
public interface ITimerHandler
{
    void OnTimer(long cookie, long nowNanoseconds);
}

/// <summary>A scheduled timer; default is "none".</summary>
public readonly record struct TimerHandle(int Entry, int Generation)
{
    public bool IsValid => Generation != 0;
}

/// <summary>
/// A hashed timer wheel (Varghese and Lauck) for one worker: O(1) schedule and cancel, expiry checked once
/// per tick. Entries live in preallocated arrays with a free list, so scheduling allocates nothing; a
/// handle carries a generation so a stale handle cannot cancel a reused entry. Not thread-safe: the worker
/// that owns it schedules, cancels and advances.
/// </summary>
public sealed class TimerWheel
{
    private const int None = -1;

    private readonly long _tickNanoseconds;
    private readonly int _mask;
    private readonly int[] _bucketHeads;
    private readonly long[] _deadlines;
    private readonly long[] _cookies;
    private readonly ITimerHandler?[] _handlers;
    private readonly int[] _next;
    private readonly int[] _previous;
    private readonly int[] _bucketOf;
    private readonly int[] _generations;
    // The Advance during which each entry was scheduled: an entry a handler schedules is never fired by the
    // Advance that called the handler, so a handler that re-arms itself for "now" cannot loop forever.
    private readonly int[] _scheduledIn;
    private int _advances;
    private int _free;
    private long _currentTick;

    /// <param name="startNanoseconds">The clock's reading now: ticks count from here.</param>
    /// <param name="tickNanoseconds">Resolution (1 ms by default: protocol timers need no finer).</param>
    /// <param name="wheelSize">Buckets, a power of two; a timer further than wheelSize ticks waits for later rounds.</param>
    /// <param name="capacity">Timers that can be pending at once.</param>
    public TimerWheel(long startNanoseconds = 0, long tickNanoseconds = 1_000_000, int wheelSize = 1024, int capacity = 16384)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tickNanoseconds, 1);
        if (wheelSize < 2 || (wheelSize & (wheelSize - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(wheelSize), "a power of two, at least 2");
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _tickNanoseconds = tickNanoseconds;
        _mask = wheelSize - 1;
        _bucketHeads = new int[wheelSize];
        Array.Fill(_bucketHeads, None);
        _deadlines = new long[capacity];
        _cookies = new long[capacity];
        _handlers = new ITimerHandler?[capacity];
        _next = new int[capacity];
        _previous = new int[capacity];
        _bucketOf = new int[capacity];
        _generations = new int[capacity];
        _scheduledIn = new int[capacity];
        for (int i = 0; i < capacity; i++) _next[i] = i + 1 < capacity ? i + 1 : None;
        _free = 0;
        _currentTick = startNanoseconds / tickNanoseconds;
    }

    public int Count { get; private set; }

    public int Capacity => _deadlines.Length;

    public long TickNanoseconds => _tickNanoseconds;

    /// <summary>Timers that could not be scheduled because every entry was in use.</summary>
    public long Overflows { get; private set; }

    /// <summary>
    /// Calls <paramref name="handler"/> with <paramref name="cookie"/> at the first <see cref="Advance"/> at or
    /// after <paramref name="deadlineNanoseconds"/>. Returns an invalid handle (and counts an overflow) when full.
    /// </summary>
    public TimerHandle Schedule(long deadlineNanoseconds, ITimerHandler handler, long cookie)
    {
        ArgumentNullException.ThrowIfNull(handler);
        int entry = _free;
        if (entry == None)
        {
            Overflows++;
            return default;
        }
        _free = _next[entry];
        // The bucket of the tick the deadline falls in; a deadline already past goes in the current tick's
        // bucket, which every Advance walks, so it fires at the next Advance.
        long tick = Math.Max(FloorTick(deadlineNanoseconds), _currentTick);
        int bucket = (int)(tick & _mask);
        _deadlines[entry] = deadlineNanoseconds;
        _cookies[entry] = cookie;
        _handlers[entry] = handler;
        _bucketOf[entry] = bucket;
        _scheduledIn[entry] = _advances;
        _previous[entry] = None;
        _next[entry] = _bucketHeads[bucket];
        if (_bucketHeads[bucket] != None) _previous[_bucketHeads[bucket]] = entry;
        _bucketHeads[bucket] = entry;
        int generation = _generations[entry] + 1;
        if (generation == 0) generation = 1;
        _generations[entry] = generation;
        Count++;
        return new TimerHandle(entry, generation);
    }

    /// <summary>Cancels a pending timer; false if it already fired, was cancelled, or the handle is stale.</summary>
    public bool Cancel(TimerHandle handle)
    {
        if (!handle.IsValid || (uint)handle.Entry >= (uint)_deadlines.Length) return false;
        if (_generations[handle.Entry] != handle.Generation || _handlers[handle.Entry] is null) return false;
        Remove(handle.Entry);
        return true;
    }

    /// <summary>
    /// Fires every timer whose deadline is at or before <paramref name="nowNanoseconds"/>, except those
    /// scheduled by the handlers it calls (they wait for the next Advance); returns how many fired.
    /// </summary>
    public int Advance(long nowNanoseconds)
    {
        long target = Math.Max(FloorTick(nowNanoseconds), _currentTick);
        if (Count == 0)
        {
            _currentTick = target;
            return 0;
        }
        // The current tick's bucket is walked again: it holds timers due later in this tick, and overdue
        // ones. After a long pause there is no point visiting a bucket twice: one lap sees every timer.
        long first = Math.Max(_currentTick, target - _mask);
        _currentTick = target;
        int advance = ++_advances;
        int fired = 0;
        for (long tick = first; tick <= target && Count > 0; tick++)
        {
            int bucket = (int)(tick & _mask);
            int entry = _bucketHeads[bucket];
            while (entry != None)
            {
                if (_deadlines[entry] > nowNanoseconds || _scheduledIn[entry] == advance)
                {
                    entry = _next[entry];
                    continue;
                }
                ITimerHandler handler = _handlers[entry]!;
                long cookie = _cookies[entry];
                // Removed before the call, so the handler may schedule again; the walk then restarts at
                // the bucket's head, because the handler may also have cancelled the entry we would visit next.
                Remove(entry);
                handler.OnTimer(cookie, nowNanoseconds);
                fired++;
                entry = _bucketHeads[bucket];
            }
        }
        return fired;
    }

    private long FloorTick(long nanoseconds) => nanoseconds / _tickNanoseconds;

    private void Remove(int entry)
    {
        int bucket = _bucketOf[entry];
        int previous = _previous[entry];
        int next = _next[entry];
        if (previous == None) _bucketHeads[bucket] = next;
        else _next[previous] = next;
        if (next != None) _previous[next] = previous;
        _handlers[entry] = null;
        _next[entry] = _free;
        _free = entry;
        Count--;
    }
}
