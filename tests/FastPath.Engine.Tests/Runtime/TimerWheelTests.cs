using FastPath.Engine.Runtime;

namespace FastPath.Engine.Tests.Runtime;

public class TimerWheelTests
{
    private const long Ms = 1_000_000;

    [Fact]
    public void Timers_fire_in_deadline_order_across_ticks_and_not_before_their_deadline()
    {
        var wheel = new TimerWheel(startNanoseconds: 0, tickNanoseconds: Ms, wheelSize: 64, capacity: 64);
        var log = new FiringLog();
        long[] deadlines = [5 * Ms, 1 * Ms, 3 * Ms + 500_000, 2 * Ms, 9 * Ms, 3 * Ms];
        for (int i = 0; i < deadlines.Length; i++) wheel.Schedule(deadlines[i], log, cookie: i);

        for (long now = 0; now <= 10 * Ms; now += 250_000)
        {
            wheel.Advance(now);
            foreach ((long cookie, long at) in log.Fired) Assert.True(at >= deadlines[cookie], $"timer {cookie} fired at {at}, before {deadlines[cookie]}");
        }
        Assert.Equal([1, 3, 5, 2, 0, 4], log.Fired.Select(f => f.Cookie));
        // Each fires at the first Advance at or after its deadline: with steps of 0.25 ms, exactly on it.
        Assert.All(log.Fired, f => Assert.Equal(deadlines[f.Cookie], f.At));
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void A_timer_due_within_the_current_tick_fires_at_the_first_advance_past_its_deadline()
    {
        var wheel = new TimerWheel(0, Ms, 16, 8);
        var log = new FiringLog();
        wheel.Advance(1 * Ms + 100);
        wheel.Schedule(1 * Ms + 600_000, log, 7);
        Assert.Equal(0, wheel.Advance(1 * Ms + 599_999));
        Assert.Equal(1, wheel.Advance(1 * Ms + 600_000));
        Assert.Equal([(7L, 1 * Ms + 600_000)], log.Fired);
    }

    [Fact]
    public void A_deadline_already_past_fires_at_the_next_advance()
    {
        var wheel = new TimerWheel(0, Ms, 16, 8);
        var log = new FiringLog();
        wheel.Advance(50 * Ms);
        wheel.Schedule(3 * Ms, log, 1);
        Assert.Equal(1, wheel.Advance(50 * Ms));
        Assert.Equal([1L], log.Fired.Select(f => f.Cookie));
    }

    [Fact]
    public void Deadlines_several_laps_away_wait_for_their_lap()
    {
        var wheel = new TimerWheel(0, Ms, wheelSize: 8, capacity: 16);
        var log = new FiringLog();
        // Same bucket (tick 3 mod 8) on three different laps.
        wheel.Schedule(3 * Ms, log, 0);
        wheel.Schedule(11 * Ms, log, 1);
        wheel.Schedule(27 * Ms, log, 2);
        for (long now = 0; now <= 30 * Ms; now += Ms)
        {
            wheel.Advance(now);
            long[] expected = new long[] { 3, 11, 27 }.Select((t, i) => (t, i)).Where(x => x.t * Ms <= now).Select(x => (long)x.i).ToArray();
            Assert.Equal(expected, log.Fired.Select(f => f.Cookie));
        }
        Assert.Equal([3 * Ms, 11 * Ms, 27 * Ms], log.Fired.Select(f => f.At));
    }

    [Fact]
    public void A_long_pause_fires_everything_overdue_once_and_keeps_later_timers()
    {
        var wheel = new TimerWheel(0, Ms, wheelSize: 16, capacity: 256);
        var log = new FiringLog();
        for (int i = 0; i < 200; i++) wheel.Schedule((i + 1) * Ms, log, i);
        // 100 ticks at once: more than six laps of the wheel.
        Assert.Equal(100, wheel.Advance(100 * Ms));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i).Order(), log.Fired.Select(f => f.Cookie).Order());
        Assert.Equal(100, wheel.Count);
        Assert.Equal(0, wheel.Advance(100 * Ms + 999_999));
        Assert.Equal(1, wheel.Advance(101 * Ms));
        Assert.Equal(100L, log.Fired[^1].Cookie);
        Assert.Equal(99, wheel.Advance(long.MaxValue / 2));
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Cancel_removes_a_pending_timer_and_only_once()
    {
        var wheel = new TimerWheel(0, Ms, 16, 8);
        var log = new FiringLog();
        TimerHandle kept = wheel.Schedule(2 * Ms, log, 1);
        TimerHandle cancelled = wheel.Schedule(2 * Ms, log, 2);
        Assert.True(wheel.Cancel(cancelled));
        Assert.False(wheel.Cancel(cancelled));
        Assert.Equal(1, wheel.Count);
        wheel.Advance(5 * Ms);
        Assert.Equal([1L], log.Fired.Select(f => f.Cookie));
        Assert.False(wheel.Cancel(kept)); // already fired
        Assert.False(wheel.Cancel(default));
        Assert.False(wheel.Cancel(new TimerHandle(1000, 1)));
    }

    [Fact]
    public void A_stale_handle_cannot_cancel_the_timer_that_reused_its_entry()
    {
        var wheel = new TimerWheel(0, Ms, 16, capacity: 1);
        var log = new FiringLog();
        TimerHandle first = wheel.Schedule(1 * Ms, log, 1);
        Assert.True(wheel.Cancel(first));
        TimerHandle second = wheel.Schedule(2 * Ms, log, 2);
        Assert.Equal(first.Entry, second.Entry);
        Assert.NotEqual(first.Generation, second.Generation);
        Assert.False(wheel.Cancel(first));
        wheel.Advance(3 * Ms);
        Assert.Equal([2L], log.Fired.Select(f => f.Cookie));
    }

    [Fact]
    public void A_full_wheel_refuses_and_counts_overflows_then_takes_timers_again_once_some_fired()
    {
        var wheel = new TimerWheel(0, Ms, 16, capacity: 4);
        var log = new FiringLog();
        for (int i = 0; i < 4; i++) Assert.True(wheel.Schedule(Ms, log, i).IsValid);
        Assert.False(wheel.Schedule(Ms, log, 9).IsValid);
        Assert.False(wheel.Schedule(Ms, log, 9).IsValid);
        Assert.Equal(2, wheel.Overflows);
        Assert.Equal(4, wheel.Advance(Ms));
        Assert.True(wheel.Schedule(2 * Ms, log, 5).IsValid);
        Assert.Equal(2, wheel.Overflows);
    }

    [Fact]
    public void A_handler_that_rearms_for_now_fires_once_per_advance()
    {
        var wheel = new TimerWheel(0, Ms, 16, 8);
        var rearming = new RearmingHandler(wheel, periodNanoseconds: 0);
        wheel.Schedule(Ms, rearming, 0);
        Assert.Equal(1, wheel.Advance(Ms));
        Assert.Equal(1, wheel.Advance(Ms));
        Assert.Equal(1, wheel.Advance(2 * Ms));
        Assert.Equal(3, rearming.Fired);
        Assert.Equal(1, wheel.Count);
    }

    [Fact]
    public void A_periodic_handler_rescheduling_itself_keeps_its_period()
    {
        var wheel = new TimerWheel(0, Ms, 8, 8);
        var periodic = new RearmingHandler(wheel, periodNanoseconds: 3 * Ms, firstDeadline: 3 * Ms);
        wheel.Schedule(3 * Ms, periodic, 0);
        for (long now = 0; now <= 30 * Ms; now += Ms / 2) wheel.Advance(now);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i * 3 * Ms), periodic.Times);
    }

    [Fact]
    public void A_handler_may_cancel_another_timer_due_in_the_same_advance()
    {
        var wheel = new TimerWheel(0, Ms, 16, 8);
        var log = new FiringLog();
        var canceller = new CancellingHandler(wheel, log);
        // Both land in the bucket of tick 1; entries are pushed at the head, so the canceller is visited first.
        canceller.Victim = wheel.Schedule(Ms, log, 42);
        wheel.Schedule(Ms, canceller, 1);
        Assert.Equal(1, wheel.Advance(Ms));
        Assert.True(canceller.Cancelled);
        Assert.Empty(log.Fired);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Schedule_and_advance_allocate_nothing()
    {
        var wheel = new TimerWheel(0, Ms, 1024, 4096);
        var log = new RearmingHandler(wheel, Ms);
        for (int i = 0; i < 1000; i++) wheel.Schedule(i * Ms / 10, log, i);
        wheel.Advance(0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (long now = 0; now < 2000 * Ms; now += Ms / 4)
        {
            wheel.Advance(now);
            TimerHandle h = wheel.Schedule(now + 5 * Ms, log, 0);
            wheel.Cancel(h);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimerWheel(wheelSize: 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimerWheel(tickNanoseconds: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimerWheel(capacity: 0));
        Assert.Throws<ArgumentNullException>(() => new TimerWheel().Schedule(0, null!, 0));
    }

    private sealed class FiringLog : ITimerHandler
    {
        public List<(long Cookie, long At)> Fired { get; } = [];

        public void OnTimer(long cookie, long nowNanoseconds) => Fired.Add((cookie, nowNanoseconds));
    }

    private sealed class RearmingHandler(TimerWheel wheel, long periodNanoseconds, long firstDeadline = 0) : ITimerHandler
    {
        private long _deadline = firstDeadline;

        public int Fired { get; private set; }

        public List<long> Times { get; } = new(capacity: 64);

        public void OnTimer(long cookie, long nowNanoseconds)
        {
            Fired++;
            if (Times.Count < Times.Capacity) Times.Add(nowNanoseconds);
            // Re-arm from the previous deadline, not from now, so a late Advance does not shift the period.
            _deadline = periodNanoseconds == 0 ? nowNanoseconds : _deadline + periodNanoseconds;
            wheel.Schedule(_deadline, this, cookie);
        }
    }

    private sealed class CancellingHandler(TimerWheel wheel, FiringLog log) : ITimerHandler
    {
        public TimerHandle Victim { get; set; }

        public bool Cancelled { get; private set; }

        public void OnTimer(long cookie, long nowNanoseconds) => Cancelled = wheel.Cancel(Victim) && log.Fired.Count == 0;
    }
}
