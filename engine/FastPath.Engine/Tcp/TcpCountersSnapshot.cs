using FastPath.Engine.Stack;

namespace FastPath.Engine.Tcp;

/// <summary>The TCP counters of one stack at one moment (<see cref="TcpSockets.GetCounters"/>).</summary>
public sealed class TcpCountersSnapshot
{
    private readonly long[] _drops = new long[StackCountersSnapshot.DropReasonCount];

    /// <summary>Connect calls that sent a SYN (RFC 1213 tcpActiveOpens).</summary>
    public long ActiveOpens { get; init; }
    /// <summary>Connections a listener created (SYN_RECEIVED entered, or a SYN cookie accepted).</summary>
    public long PassiveOpens { get; init; }
    /// <summary>Handshakes that failed: SYN_SENT or SYN_RECEIVED to CLOSED.</summary>
    public long AttemptFails { get; init; }
    /// <summary>Resets of ESTABLISHED or CLOSE_WAIT connections (sent or received).</summary>
    public long EstablishedResets { get; init; }
    public long SegmentsReceived { get; init; }
    public long SegmentsSent { get; init; }
    /// <summary>Segments sent again (timeouts, fast retransmits and SACK recovery).</summary>
    public long Retransmissions { get; init; }
    public long FastRetransmits { get; init; }
    /// <summary>Retransmission timer expiries.</summary>
    public long Timeouts { get; init; }
    public long ResetsSent { get; init; }
    public long ResetsReceived { get; init; }
    /// <summary>RFC 5961 challenge ACKs sent (rate limited ones not counted).</summary>
    public long ChallengeAcks { get; init; }
    public long SynCookiesSent { get; init; }
    public long SynCookiesAccepted { get; init; }
    /// <summary>Handshake ACKs to a listener whose cookie did not validate.</summary>
    public long SynCookiesRejected { get; init; }
    /// <summary>SYNs or handshake ACKs dropped because a queue was full (Linux ListenOverflows).</summary>
    public long ListenOverflows { get; init; }
    public long ListenDrops { get; init; }
    public long KeepaliveTimeouts { get; init; }
    public long OutOfOrderSegments { get; init; }
    /// <summary>ACKs sent by the delayed-ACK timer.</summary>
    public long DelayedAcks { get; init; }

    internal long[] DropCounts
    {
        init => value.AsSpan().CopyTo(_drops);
    }

    /// <summary>The stack's drops for one reason (the TCP ones: NoSocket, TcpOutOfWindow, TcpInvalidSegment, TcpListenOverflow...).</summary>
    public long Dropped(StackDropReason reason) => _drops[(int)reason];
}
