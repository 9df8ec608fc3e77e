using System.Runtime.CompilerServices;
using FastPath.Apps.Generator;

namespace FastPath.Apps.Sink;

/// <summary>
/// Per-stream counts of one receiving worker, fed with the signatures of the frames it receives. Streams are
/// found by id in a flat table (a stream's state is made on its first frame; nothing is allocated per frame).
/// </summary>
internal sealed class SignatureStatistics
{
    private readonly StreamStatistics?[] _byId = new StreamStatistics?[ushort.MaxValue + 1];
    private readonly List<StreamStatistics> _streams = [];

    /// <summary>Frames that carried a signature.</summary>
    public long Signed { get; private set; }

    /// <summary>Lost so far, summed over this worker's windows (for live progress).</summary>
    public long Lost { get; private set; }

    public IReadOnlyList<StreamStatistics> Streams => _streams;

    /// <summary>Counts one signature received at <paramref name="nowNanoseconds"/> (the same clock the sender stamped with).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(in SignatureRecord signature, long nowNanoseconds)
    {
        StreamStatistics stream = _byId[signature.Stream] ?? AddStream(signature.Stream);
        SequenceWindow window = stream.Lane(signature.Lane);
        long lostBefore = window.Lost;
        window.Record(signature.Sequence);
        Lost += window.Lost - lostBefore;
        Signed++;
        long latency = FrameSignature.Elapsed(signature.Timestamp, nowNanoseconds);
        if (latency >= 0) stream.Latency.Record(latency);
        else stream.ClockAhead++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private StreamStatistics AddStream(ushort id)
    {
        var stream = new StreamStatistics(id);
        _byId[id] = stream;
        _streams.Add(stream);
        return stream;
    }
}
