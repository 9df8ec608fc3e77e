using FastPath.Engine.Telemetry;

namespace FastPath.Apps.Ping;

/// <summary>The totals of a ping run, as iputils counts them, with the round trips in a histogram.</summary>
public sealed class PingStatistics
{
    public long Transmitted { get; init; }

    /// <summary>Distinct requests answered (duplicates not included).</summary>
    public long Received { get; init; }

    public long Duplicates { get; init; }

    /// <summary>ICMP errors (unreachable, time exceeded) about our requests.</summary>
    public long Errors { get; init; }

    /// <summary>Replies that arrived after the reply to a later request.</summary>
    public long Reordered { get; init; }

    public long FirstSendNanoseconds { get; init; }

    public long LastSendNanoseconds { get; init; }

    public long LastReplyNanoseconds { get; init; }

    /// <summary>False when the data was too short to carry the send time (iputils: under 16 bytes; here 8): no round trips then.</summary>
    public bool Timed { get; init; }

    /// <summary>Round trips in nanoseconds, one per distinct reply.</summary>
    public required LatencyHistogram RoundTrips { get; init; }

    /// <summary>iputils' loss: requests not answered, in percent of those sent.</summary>
    public double LossPercent => Transmitted == 0 ? 0 : (Transmitted - Received) * 100.0 / Transmitted;

    /// <summary>From the first request to the last reply (to the last request when nothing came back).</summary>
    public double Seconds
    {
        get
        {
            if (Transmitted == 0) return 0;
            long end = Math.Max(LastReplyNanoseconds, LastSendNanoseconds);
            return Math.Max(0, end - FirstSendNanoseconds) / 1e9;
        }
    }
}
