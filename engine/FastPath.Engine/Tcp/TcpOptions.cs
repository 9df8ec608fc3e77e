namespace FastPath.Engine.Tcp;

/// <summary>
/// The TCP settings of one stack (<see cref="Stack.InterfaceConfig.Tcp"/>). Defaults follow Linux where it has
/// one; buffers, tables and pools are sized from these when the stack is made.
/// </summary>
public sealed class TcpOptions
{
    /// <summary>Our MSS; 0 (the default) takes the MTU minus 40.</summary>
    public int MaximumSegmentSize { get; init; }

    /// <summary>Send buffer per connection, rounded up to a power of two.</summary>
    public int SendBufferSize { get; init; } = 256 * 1024;

    /// <summary>Receive buffer per connection: the most we advertise.</summary>
    public int ReceiveBufferSize { get; init; } = 256 * 1024;

    /// <summary>Connections per worker, TIME_WAIT included (table capacity and pooled objects).</summary>
    public int MaxConnections { get; init; } = 4096;

    /// <summary>Established connections not yet accepted, per listener.</summary>
    public int AcceptBacklog { get; init; } = 128;

    /// <summary>Half-open (SYN_RECEIVED) connections per listener; past it SYN cookies answer (or SYNs are dropped).</summary>
    public int SynBacklog { get; init; } = 256;

    /// <summary>Answer with SYN cookies when the SYN backlog is full (Linux tcp_syncookies=1).</summary>
    public bool SynCookies { get; init; } = true;

    /// <summary>New connections start with Nagle off (RFC 1122 section 4.2.3.4 says on: false).</summary>
    public bool NoDelay { get; init; }

    /// <summary>How long an ACK may wait for more data or a reply (RFC 1122 4.2.3.2: under 500 ms; Linux 40 ms).</summary>
    public TimeSpan DelayedAckTimeout { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>Maximum segment lifetime: TIME_WAIT lasts twice this.</summary>
    public TimeSpan MaximumSegmentLifetime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>New connections send keepalive probes (settable per connection).</summary>
    public bool KeepAlive { get; init; }

    public TimeSpan KeepAliveIdle { get; init; } = TimeSpan.FromSeconds(7200);

    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(75);

    public int KeepAliveCount { get; init; } = 9;

    /// <summary>RFC 6298 2.1: 1 s before the first RTT sample.</summary>
    public TimeSpan InitialRto { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Linux's 200 ms rather than RFC 6298's 1 s.</summary>
    public TimeSpan MinimumRto { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaximumRto { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Retransmissions of data before the connection is given up (Linux tcp_retries2).</summary>
    public int MaxRetransmissions { get; init; } = 15;

    /// <summary>Retransmissions of a SYN or SYN-ACK (Linux tcp_syn_retries).</summary>
    public int MaxSynRetransmissions { get; init; } = 6;

    public TcpCongestionControl CongestionControl { get; init; } = TcpCongestionControl.Cubic;

    /// <summary>
    /// Tail loss probes (RFC 8985 section 7, on in Linux): with SACK, one segment is sent again after two smoothed
    /// RTTs (at least 10 ms) without an ACK, so a lost tail is repaired by recovery rather than by the RTO.
    /// </summary>
    public bool TailLossProbes { get; init; } = true;

    /// <summary>Out-of-order ranges held per connection; a segment that would need more is dropped.</summary>
    public int MaxOutOfOrderRanges { get; init; } = 32;

    public bool WindowScaling { get; init; } = true;

    public bool Timestamps { get; init; } = true;

    public bool SelectiveAcknowledgements { get; init; } = true;

    public ushort FirstEphemeralPort { get; init; } = 49152;

    public ushort LastEphemeralPort { get; init; } = 65535;

    /// <summary>Throws <see cref="ArgumentException"/> with a one-line message when a setting is impossible.</summary>
    public void Validate()
    {
        if (MaximumSegmentSize != 0 && (MaximumSegmentSize < 88 || MaximumSegmentSize > 65495))
            throw new ArgumentException($"TCP MaximumSegmentSize {MaximumSegmentSize} is outside 88..65495 (or 0 for MTU - 40)", nameof(MaximumSegmentSize));
        Positive(SendBufferSize, 1024, 1 << 30, nameof(SendBufferSize));
        Positive(ReceiveBufferSize, 1024, 1 << 30, nameof(ReceiveBufferSize));
        Positive(MaxConnections, 1, 1 << 24, nameof(MaxConnections));
        Positive(AcceptBacklog, 1, 1 << 20, nameof(AcceptBacklog));
        Positive(SynBacklog, 1, 1 << 20, nameof(SynBacklog));
        Positive(KeepAliveCount, 1, 1000, nameof(KeepAliveCount));
        Positive(MaxRetransmissions, 1, 100, nameof(MaxRetransmissions));
        Positive(MaxSynRetransmissions, 1, 100, nameof(MaxSynRetransmissions));
        Positive(MaxOutOfOrderRanges, 1, 1024, nameof(MaxOutOfOrderRanges));
        Time(DelayedAckTimeout, nameof(DelayedAckTimeout));
        Time(MaximumSegmentLifetime, nameof(MaximumSegmentLifetime));
        Time(KeepAliveIdle, nameof(KeepAliveIdle));
        Time(KeepAliveInterval, nameof(KeepAliveInterval));
        Time(InitialRto, nameof(InitialRto));
        Time(MinimumRto, nameof(MinimumRto));
        Time(MaximumRto, nameof(MaximumRto));
        if (MinimumRto > MaximumRto) throw new ArgumentException($"TCP MinimumRto {MinimumRto} exceeds MaximumRto {MaximumRto}", nameof(MinimumRto));
        if (CongestionControl is not (TcpCongestionControl.Cubic or TcpCongestionControl.NewReno))
            throw new ArgumentException($"TCP CongestionControl {CongestionControl} is not Cubic or NewReno", nameof(CongestionControl));
        if (FirstEphemeralPort == 0 || FirstEphemeralPort > LastEphemeralPort)
            throw new ArgumentException($"TCP ephemeral ports {FirstEphemeralPort}-{LastEphemeralPort} are not a range of non-zero ports", nameof(FirstEphemeralPort));
    }

    private static void Positive(int value, int minimum, int maximum, string name)
    {
        if (value < minimum || value > maximum) throw new ArgumentException($"TCP {name} {value} is outside {minimum}..{maximum}", name);
    }

    private static void Time(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero) throw new ArgumentException($"TCP {name} must be positive, not {value}", name);
    }
}
