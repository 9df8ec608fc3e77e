namespace FastPath.Apps.Lab;

/// <summary>Round trips of one ping row, in microseconds.</summary>
public sealed record DemoLabRoundTrips(double Min, double Avg, double Max, double P50, double P90, double P99, double P999);

/// <summary>One round-trip row: who pinged whom, how many came back, the round trips.</summary>
public sealed record DemoLabPingRow(string Pinger, string Responder)
{
    public long Transmitted { get; init; }

    public long Received { get; init; }

    /// <summary>Null when nothing came back or the row failed.</summary>
    public DemoLabRoundTrips? RoundTrips { get; init; }

    /// <summary>Why the row has no figures (a tool missing, a program that failed), or null.</summary>
    public string? Failure { get; init; }

    public double LossPercent => Transmitted == 0 ? 100 : (Transmitted - Received) * 100.0 / Transmitted;
}

/// <summary>The throughput row: generator into sink.</summary>
public sealed record DemoLabTrafficRow
{
    public long TxPackets { get; init; }

    public double TxPps { get; init; }

    public long RxPackets { get; init; }

    public double RxPps { get; init; }

    /// <summary>Bits per second on the wire at the sink (frame + 24 bytes each, as RFC 2544 counts).</summary>
    public double RxWireBps { get; init; }

    public int FrameSize { get; init; }

    public string? Driver { get; init; }

    public string? Failure { get; init; }

    public double LossPercent => TxPackets == 0 ? 100 : Math.Max(0, TxPackets - RxPackets) * 100.0 / TxPackets;
}

/// <summary>The fan-out row: datagrams sent to the group and what each receiver got.</summary>
public sealed record DemoLabFanoutRow
{
    public bool Available { get; init; }

    public long Sent { get; init; }

    /// <summary>Datagrams each receiver got, in receiver order.</summary>
    public IReadOnlyList<long> Delivered { get; init; } = [];

    /// <summary>Copies the fan-out sent to each destination (its own counters, warm-up included).</summary>
    public IReadOnlyList<long> CopiesSent { get; init; } = [];

    /// <summary>No duplicate and no datagram overtaken at any receiver.</summary>
    public bool InOrder { get; init; }

    /// <summary>Copies that arrived after a later one, all receivers together.</summary>
    public long Reordered { get; init; }

    /// <summary>Copies that arrived twice (or originals a receiver should never have seen), all receivers together.</summary>
    public long Duplicates { get; init; }

    /// <summary>Datagrams a second sent into the group.</summary>
    public double RatePps { get; init; }

    public double LossPercent
    {
        get
        {
            long expected = Sent * Delivered.Count;
            return expected == 0 ? 100 : Math.Max(0, expected - Delivered.Sum()) * 100.0 / expected;
        }
    }

    public string? Failure { get; init; }
}

/// <summary>Everything one <c>fastpath lab</c> run measured.</summary>
public sealed record DemoLabResults
{
    public required string LabId { get; init; }

    public double PhaseSeconds { get; init; }

    public IReadOnlyList<DemoLabPingRow> Ping { get; init; } = [];

    public DemoLabTrafficRow Traffic { get; init; } = new();

    public DemoLabFanoutRow Fanout { get; init; } = new();

    public double ElapsedSeconds { get; init; }

    public bool AllSucceeded => Ping.All(row => row.Failure is null) && Traffic.Failure is null && (!Fanout.Available || Fanout.Failure is null);
}
