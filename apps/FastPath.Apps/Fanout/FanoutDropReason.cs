namespace FastPath.Apps.Fanout;

/// <summary>Why a copy for one destination was not sent. Counted per destination; the JSON names are snake_case.</summary>
public enum FanoutDropReason
{
    /// <summary>The unicast destination's MAC is not known yet (ARP asked, no reply so far).</summary>
    NoArpEntry,

    /// <summary>The transmit buffer and the port's ring were both full.</summary>
    TxFull,

    /// <summary>No free frame to build the copy in.</summary>
    PoolEmpty,

    /// <summary>The datagram does not fit one frame of the MTU (a reassembled one): copies are never fragmented.</summary>
    TooLarge,
}
