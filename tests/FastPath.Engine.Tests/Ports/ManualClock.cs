namespace FastPath.Engine.Tests.Ports;

/// <summary>A clock that moves only when the test says so, to test delays without timing anything.</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks = 1_000_000;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;

    public void Advance(TimeSpan span) => _ticks += span.Ticks;
}
