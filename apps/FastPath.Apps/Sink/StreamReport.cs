using FastPath.Apps.Generator;

using FastPath.Engine.Telemetry;

namespace FastPath.Apps.Sink;

/// <summary>Latency percentiles of one stream, in nanoseconds.</summary>
public readonly record struct LatencySummary(long Count, long Min, long P50, long P90, long P99, long P999, long Max, double Mean);

/// <summary>
/// One stream as every receiving worker saw it together: frames received, lost (numbers never seen below the
/// highest seen), reordered (arrived after a later frame of the same sender), duplicates, and latency.
/// </summary>
public sealed record StreamReport(ushort Id, long RxPackets, long Lost, long Reordered, long Duplicates, LatencySummary Latency)
{
    /// <summary>Frames whose send time was ahead of the receiver's clock (not the same host's clock): no latency for them.</summary>
    public long ClockAhead { get; init; }

    /// <summary>Per-stream counts of a sink run, all workers together (empty when signatures were off).</summary>
    public static IReadOnlyList<StreamReport> Merge(IEnumerable<SinkResult> workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        return Merge(workers.Select(worker => worker.Signatures).OfType<SignatureStatistics>(), out _);
    }

    /// <summary>Per-stream counts of the frames that came back to measuring generator workers (latency: the round trip).</summary>
    public static IReadOnlyList<StreamReport> MergeReturns(IEnumerable<GeneratorResult> workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        return Merge(workers.Select(worker => worker.Returns).OfType<SignatureStatistics>(), out _);
    }

    /// <summary>
    /// Merges the workers' statistics per stream. A sending lane's frames may be spread over several
    /// receiving workers (fanout hashes flows): its highest number is the highest any worker saw, and its
    /// distinct frames add up, so loss is exact across workers; reordering is counted within each worker.
    /// </summary>
    internal static IReadOnlyList<StreamReport> Merge(IEnumerable<SignatureStatistics> workers, out LatencyHistogram all)
    {
        var byStream = new SortedDictionary<ushort, List<StreamStatistics>>();
        foreach (SignatureStatistics worker in workers)
        {
            foreach (StreamStatistics stream in worker.Streams)
            {
                if (!byStream.TryGetValue(stream.Id, out var list)) byStream[stream.Id] = list = [];
                list.Add(stream);
            }
        }
        all = new LatencyHistogram();
        var reports = new List<StreamReport>();
        foreach ((ushort id, List<StreamStatistics> parts) in byStream)
        {
            var latency = new LatencyHistogram();
            long received = 0, reordered = 0, duplicates = 0, clockAhead = 0;
            var lanes = new Dictionary<byte, (long Highest, long Unique)>();
            foreach (StreamStatistics part in parts)
            {
                latency.Merge(part.Latency);
                clockAhead += part.ClockAhead;
                foreach ((byte lane, SequenceWindow window) in part.Lanes)
                {
                    received += window.Received;
                    reordered += window.Reordered;
                    duplicates += window.Duplicates;
                    lanes.TryGetValue(lane, out var sum);
                    lanes[lane] = (Math.Max(sum.Highest, window.Highest), sum.Unique + window.Unique);
                }
            }
            long lost = lanes.Values.Sum(lane => lane.Highest + 1 - lane.Unique);
            all.Merge(latency);
            reports.Add(new StreamReport(id, received, lost, reordered, duplicates, Summarize(latency)) { ClockAhead = clockAhead });
        }
        return reports;
    }

    internal static LatencySummary Summarize(LatencyHistogram histogram) => histogram.Count == 0
        ? default
        : new LatencySummary(histogram.Count, histogram.Min, histogram.Percentile(50), histogram.Percentile(90),
            histogram.Percentile(99), histogram.Percentile(99.9), histogram.Max, histogram.Mean);
}
