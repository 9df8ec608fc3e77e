using FastPath.Engine.Telemetry;

namespace FastPath.Apps.Sink;

/// <summary>What one worker saw of one stream: a sequence window per sending lane, and the latencies.</summary>
internal sealed class StreamStatistics(ushort id)
{
    private readonly SequenceWindow?[] _lanes = new SequenceWindow?[256];

    public ushort Id { get; } = id;
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Frames whose send time was ahead of the receiver's clock (another host's clock): no latency recorded.</summary>
    public long ClockAhead { get; internal set; }

    /// <summary>Windows of the lanes seen, by lane.</summary>
    public IEnumerable<(byte Lane, SequenceWindow Window)> Lanes
    {
        get
        {
            for (int lane = 0; lane < _lanes.Length; lane++)
            {
                if (_lanes[lane] is { } window) yield return ((byte)lane, window);
            }
        }
    }

    /// <summary>The window of <paramref name="lane"/>, made on its first frame (once per lane, not per frame).</summary>
    public SequenceWindow Lane(byte lane) => _lanes[lane] ??= new SequenceWindow();
}
