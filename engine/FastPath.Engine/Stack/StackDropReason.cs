namespace FastPath.Engine.Stack;

/// <summary>Why the stack dropped a frame (or, for the reassembly and ARP reasons, a datagram). Each has its own counter.</summary>
public enum StackDropReason
{
    /// <summary>A header, or a length a header declares, runs past the end of the frame.</summary>
    Truncated,
    /// <summary>A header field is impossible: IPv4 version or IHL, ARP hardware/protocol type or opcode, ICMP/IGMP fixed part.</summary>
    BadHeader,
    /// <summary>A length field contradicts the header (IPv4 total length below IHL, UDP length below 8).</summary>
    BadLength,
    /// <summary>IPv4 header, ICMP, IGMP or UDP checksum wrong.</summary>
    BadChecksum,
    /// <summary>A source address no host may use (broadcast, multicast, or our own from another MAC).</summary>
    BadAddress,
    /// <summary>Addressed to another MAC or IPv4 address, or to a multicast group not joined.</summary>
    NotForUs,
    /// <summary>Neither IPv4 nor ARP (IPv6, LLDP, VLAN-tagged frames, 802.3 lengths).</summary>
    UnsupportedEtherType,
    /// <summary>An IPv4 protocol the stack does not speak (GRE, SCTP, ...).</summary>
    UnsupportedProtocol,
    /// <summary>An IPv4 datagram that arrived with TTL 0.</summary>
    TtlExpired,
    /// <summary>An ICMP message the host does not act on (replies it did not ask for, errors, echo to broadcast).</summary>
    IcmpUnhandled,
    /// <summary>An IGMP message the host does not act on (other hosts' reports and leaves).</summary>
    IgmpUnhandled,
    /// <summary>An ARP reply for an address we did not ask about and do not have (never learned: cache poisoning guard).</summary>
    ArpUnsolicited,
    /// <summary>An off-link destination with no gateway configured.</summary>
    NoRoute,
    /// <summary>A packet that waited for ARP resolution that never came (all retries unanswered).</summary>
    NoArpEntry,
    /// <summary>A packet pushed out of (or refused by) the bounded queue waiting for an ARP reply.</summary>
    ArpQueueFull,
    /// <summary>A UDP datagram for a port no socket is bound to, or a TCP segment for a port nobody listens on (answered with RST).</summary>
    NoSocket,
    /// <summary>A UDP datagram for a socket whose receive queue was full.</summary>
    SocketQueueFull,
    /// <summary>A datagram larger than the path allows (DF set, or over 65535 bytes, or too large for a socket queue).</summary>
    DatagramTooLarge,
    /// <summary>The worker's transmit buffer was full.</summary>
    TxBufferFull,
    /// <summary>No free frame in the pool to build a packet in.</summary>
    NoBuffer,
    /// <summary>A fragment with an impossible offset or length, too many fragments, or lengths that disagree.</summary>
    FragmentInvalid,
    /// <summary>Fragments that overlap with different bytes (RFC 5722's reasoning applied to IPv4): the datagram is dropped.</summary>
    FragmentOverlap,
    /// <summary>A datagram whose fragments did not all arrive within the reassembly timeout (one count per datagram).</summary>
    FragmentTimeout,
    /// <summary>A partial datagram evicted to keep reassembly within its memory bound (one count per datagram).</summary>
    ReassemblyOverflow,
    /// <summary>A TCP segment outside the receive window, or failing PAWS (answered with an ACK, RFC 9293 3.10.7.4).</summary>
    TcpOutOfWindow,
    /// <summary>A TCP segment the connection's state cannot use (no ACK bit, an ACK of nothing sent, a RST or SYN answered by a challenge ACK).</summary>
    TcpInvalidSegment,
    /// <summary>A SYN or handshake ACK dropped because the SYN backlog, accept queue or connection table was full.</summary>
    TcpListenOverflow,
    /// <summary>An echo request left unanswered because the echo reply rate limit was reached (<see cref="InterfaceConfig.IcmpEchoRepliesPerSecond"/>).</summary>
    EchoRateLimited,
}
