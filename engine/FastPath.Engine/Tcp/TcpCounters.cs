namespace FastPath.Engine.Tcp;

/// <summary>
/// The TCP counters of one stack (the MIB-II tcp group and Linux's TcpExt ones FastPath has), written only by
/// the worker's thread: plain increments, a reader elsewhere sees each value whole, perhaps a moment old.
/// </summary>
internal sealed class TcpCounters
{
    public long ActiveOpens;
    public long PassiveOpens;
    public long AttemptFails;
    public long EstablishedResets;
    public long SegmentsReceived;
    public long SegmentsSent;
    public long Retransmissions;
    public long FastRetransmits;
    public long Timeouts;
    public long ResetsSent;
    public long ResetsReceived;
    public long ChallengeAcks;
    public long SynCookiesSent;
    public long SynCookiesAccepted;
    public long SynCookiesRejected;
    public long ListenOverflows;
    public long ListenDrops;
    public long KeepaliveTimeouts;
    public long OutOfOrderSegments;
    public long DelayedAcks;

    public TcpCountersSnapshot Snapshot(Stack.StackCounters stack) => new()
    {
        ActiveOpens = ActiveOpens,
        PassiveOpens = PassiveOpens,
        AttemptFails = AttemptFails,
        EstablishedResets = EstablishedResets,
        SegmentsReceived = SegmentsReceived,
        SegmentsSent = SegmentsSent,
        Retransmissions = Retransmissions,
        FastRetransmits = FastRetransmits,
        Timeouts = Timeouts,
        ResetsSent = ResetsSent,
        ResetsReceived = ResetsReceived,
        ChallengeAcks = ChallengeAcks,
        SynCookiesSent = SynCookiesSent,
        SynCookiesAccepted = SynCookiesAccepted,
        SynCookiesRejected = SynCookiesRejected,
        ListenOverflows = ListenOverflows,
        ListenDrops = ListenDrops,
        KeepaliveTimeouts = KeepaliveTimeouts,
        OutOfOrderSegments = OutOfOrderSegments,
        DelayedAcks = DelayedAcks,
        DropCounts = (long[])stack.Drops.Clone(),
    };
}
