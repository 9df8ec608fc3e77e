using FastPath.Engine.Tcp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Igmp;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>
/// How a <see cref="NetworkStack"/> presents itself on its link: addresses, MTU, and the limits and timers
/// of each protocol. Only <see cref="Address"/> is required; the defaults follow Linux where it has one.
/// </summary>
public sealed class InterfaceConfig
{
    /// <summary>Our IPv4 address and the on-link prefix, e.g. 10.0.0.1/24.</summary>
    public required Ipv4Cidr Address { get; init; }

    /// <summary>Our MAC; zero (the default) takes the port's MAC at <see cref="NetworkStack.Start"/>.</summary>
    public MacAddress Mac { get; init; }

    /// <summary>Next hop for destinations outside <see cref="Address"/>'s prefix; 0.0.0.0 (the default) for none.</summary>
    public Ipv4Address Gateway { get; init; }

    /// <summary>IP MTU; 0 (the default) takes the port's MTU. Larger datagrams are sent as fragments.</summary>
    public int Mtu { get; init; }

    /// <summary>TTL of the datagrams the stack sends (Linux net.ipv4.ip_default_ttl).</summary>
    public byte Ttl { get; init; } = 64;

    /// <summary>How long a learned ARP entry is used before it is resolved again.</summary>
    public TimeSpan ArpEntryLifetime { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>ARP requests sent for one destination before its waiting packets are dropped (Linux mcast_solicit).</summary>
    public int ArpRetries { get; init; } = 3;

    /// <summary>Wait between ARP requests for one destination (Linux retrans_time).</summary>
    public TimeSpan ArpRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>ARP cache entries; when full, the oldest entry other than the gateway's is replaced.</summary>
    public int ArpCacheCapacity { get; init; } = 1024;

    /// <summary>Destinations that can be waiting for an ARP reply at once.</summary>
    public int ArpPendingDestinations { get; init; } = 64;

    /// <summary>Packets held per destination while its ARP reply is awaited; the oldest is dropped beyond it (Linux unres_qlen).</summary>
    public int ArpQueueLength { get; init; } = 16;

    /// <summary>Announce our address with a gratuitous ARP request at start (RFC 5227 section 3).</summary>
    public bool GratuitousArp { get; init; } = true;

    /// <summary>ICMP error messages (port unreachable) per second, sustained (Linux icmp_msgs_per_sec).</summary>
    public int IcmpErrorsPerSecond { get; init; } = 1000;

    /// <summary>ICMP error messages that may go out back to back before the rate applies (Linux icmp_msgs_burst).</summary>
    public int IcmpErrorBurst { get; init; } = 50;

    /// <summary>
    /// Echo replies per second, sustained; 0 (the default) answers every request. Linux does not limit echo
    /// replies by default (net.ipv4.icmp_ratemask covers only destination unreachable, source quench, time
    /// exceeded and parameter problem), so a responder that measures a path answers them all, as the kernel
    /// would. Set it where untrusted hosts can reach the address: a ping flood then costs one token per
    /// request instead of a reply each, and the stack cannot be used to reflect that flood at full rate.
    /// Requests over the limit are dropped and counted (<see cref="StackDropReason.EchoRateLimited"/>).
    /// </summary>
    public int IcmpEchoRepliesPerSecond { get; init; }

    /// <summary>Echo replies that may go out back to back before <see cref="IcmpEchoRepliesPerSecond"/> applies (Linux icmp_msgs_burst's default, 50).</summary>
    public int IcmpEchoReplyBurst { get; init; } = DefaultIcmpEchoReplyBurst;

    /// <summary>Linux's icmp_msgs_burst default; the CLI's --echo-burst default too.</summary>
    internal const int DefaultIcmpEchoReplyBurst = 50;

    /// <summary>Answer echo requests sent to a broadcast or multicast address (Linux icmp_echo_ignore_broadcasts=1 says no).</summary>
    public bool ReplyToBroadcastEcho { get; init; }

    /// <summary>How long the fragments of one datagram may take to arrive (Linux ipfrag_time).</summary>
    public TimeSpan ReassemblyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Datagrams that can be in reassembly at once; a new one evicts the oldest beyond it.</summary>
    public int MaxReassemblies { get; init; } = 16;

    /// <summary>Bytes of fragment data held across all reassemblies; the oldest datagrams are evicted beyond it (Linux ipfrag_high_thresh).</summary>
    public int ReassemblyMemoryLimit { get; init; } = 1 << 20;

    /// <summary>IGMP version of unsolicited reports; the stack falls back to v2 (or v1) while an older querier is present.</summary>
    public IgmpVersion IgmpVersion { get; init; } = IgmpVersion.V3;

    /// <summary>Wait between the repetitions of an unsolicited report or leave (RFC 3376 section 8.11: 1 s).</summary>
    public TimeSpan IgmpUnsolicitedReportInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Times an unsolicited report or leave is sent (RFC 3376 section 8.1: the robustness variable, 2).</summary>
    public int IgmpRobustness { get; init; } = 2;

    /// <summary>Multicast groups the stack can be a member of at once.</summary>
    public int IgmpMaxGroups { get; init; } = 64;

    /// <summary>Receive queue of a polling UDP socket bound without a capacity of its own.</summary>
    public int UdpQueueCapacity { get; init; } = 256;

    /// <summary>TCP settings: buffers, limits, timers, options (see <see cref="TcpOptions"/>).</summary>
    public TcpOptions Tcp { get; init; } = new();

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Tcp, nameof(Tcp));
        Tcp.Validate();
        if (Address.Address.IsUnspecified || Address.Address.IsMulticast || Address.Address.IsBroadcast)
            throw new ArgumentException($"{Address} is not a unicast host address", nameof(Address));
        if (Mac.IsMulticast) throw new ArgumentException($"{Mac} is a group MAC, not an interface address", nameof(Mac));
        if (!Gateway.IsUnspecified && !Address.Contains(Gateway))
            throw new ArgumentException($"gateway {Gateway} is not on the link {Address}", nameof(Gateway));
        if (Mtu != 0) ArgumentOutOfRangeException.ThrowIfLessThan(Mtu, 68, nameof(Mtu));
        ArgumentOutOfRangeException.ThrowIfZero(Ttl, nameof(Ttl));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ArpEntryLifetime, TimeSpan.Zero, nameof(ArpEntryLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThan(ArpRetries, 1, nameof(ArpRetries));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ArpRetryInterval, TimeSpan.Zero, nameof(ArpRetryInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(ArpCacheCapacity, 2, nameof(ArpCacheCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(ArpPendingDestinations, 1, nameof(ArpPendingDestinations));
        ArgumentOutOfRangeException.ThrowIfLessThan(ArpQueueLength, 1, nameof(ArpQueueLength));
        ArgumentOutOfRangeException.ThrowIfNegative(IcmpErrorsPerSecond, nameof(IcmpErrorsPerSecond));
        ArgumentOutOfRangeException.ThrowIfNegative(IcmpErrorBurst, nameof(IcmpErrorBurst));
        ArgumentOutOfRangeException.ThrowIfNegative(IcmpEchoRepliesPerSecond, nameof(IcmpEchoRepliesPerSecond));
        // With a rate, a burst of 0 would answer nothing at all: a bucket must hold at least one token.
        if (IcmpEchoRepliesPerSecond > 0) ArgumentOutOfRangeException.ThrowIfLessThan(IcmpEchoReplyBurst, 1, nameof(IcmpEchoReplyBurst));
        else ArgumentOutOfRangeException.ThrowIfNegative(IcmpEchoReplyBurst, nameof(IcmpEchoReplyBurst));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReassemblyTimeout, TimeSpan.Zero, nameof(ReassemblyTimeout));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxReassemblies, nameof(MaxReassemblies));
        ArgumentOutOfRangeException.ThrowIfNegative(ReassemblyMemoryLimit, nameof(ReassemblyMemoryLimit));
        if (IgmpVersion is not (IgmpVersion.V1 or IgmpVersion.V2 or IgmpVersion.V3))
            throw new ArgumentOutOfRangeException(nameof(IgmpVersion), IgmpVersion, "IGMP version 1, 2 or 3");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IgmpUnsolicitedReportInterval, TimeSpan.Zero, nameof(IgmpUnsolicitedReportInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(IgmpRobustness, 1, nameof(IgmpRobustness));
        ArgumentOutOfRangeException.ThrowIfLessThan(IgmpMaxGroups, 1, nameof(IgmpMaxGroups));
        ArgumentOutOfRangeException.ThrowIfLessThan(UdpQueueCapacity, 1, nameof(UdpQueueCapacity));
    }
}
