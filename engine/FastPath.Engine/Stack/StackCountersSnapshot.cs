using System.Text.Json;

namespace FastPath.Engine.Stack;

/// <summary>
/// The counters of a <see cref="NetworkStack"/> at one moment (<see cref="NetworkStack.GetCounters"/>), or the
/// sum over several workers' stacks (<see cref="Sum"/>). Frames counted in <see cref="RxPackets"/> end as a
/// delivery, a reply or exactly one drop.
/// </summary>
public sealed class StackCountersSnapshot
{
    internal static readonly int DropReasonCount = Enum.GetValues<StackDropReason>().Length;

    private static readonly string[] DropNames =
    [
        "truncated", "bad_header", "bad_length", "bad_checksum", "bad_address", "not_for_us", "unsupported_ethertype",
        "unsupported_protocol", "ttl_expired", "icmp_unhandled", "igmp_unhandled", "arp_unsolicited", "no_route",
        "no_arp_entry", "arp_queue_full", "no_socket", "socket_queue_full", "datagram_too_large", "tx_buffer_full",
        "no_buffer", "fragment_invalid", "fragment_overlap", "fragment_timeout", "reassembly_overflow",
        "tcp_out_of_window", "tcp_invalid_segment", "tcp_listen_overflow",
        "echo_rate_limited",
    ];

    private readonly long[] _drops = new long[DropReasonCount];

    /// <summary>Frames handed to the stack.</summary>
    public long RxPackets { get; init; }
    public long RxBytes { get; init; }
    /// <summary>Frames the stack queued for transmission (replies in place and frames it built).</summary>
    public long TxPackets { get; init; }
    public long TxBytes { get; init; }
    public long ArpRequestsReceived { get; init; }
    public long ArpRepliesReceived { get; init; }
    /// <summary>ARP replies sent (to requests for our address).</summary>
    public long ArpReplies { get; init; }
    /// <summary>ARP requests sent to resolve a next hop (retries included).</summary>
    public long ArpRequestsSent { get; init; }
    public long ArpGratuitousSent { get; init; }
    /// <summary>ARP packets claiming our address from another MAC (RFC 5227 conflict).</summary>
    public long ArpConflicts { get; init; }
    /// <summary>IPv4 datagrams addressed to us (unicast, broadcast or a joined group) that passed validation.</summary>
    public long Ipv4Delivered { get; init; }
    public long IcmpReceived { get; init; }
    public long EchoRequests { get; init; }
    public long EchoReplies { get; init; }
    public long TimestampReplies { get; init; }
    /// <summary>ICMP destination unreachable messages sent (port unreachable for closed UDP ports).</summary>
    public long UnreachablesSent { get; init; }
    /// <summary>ICMP time exceeded messages sent (fragment reassembly timed out).</summary>
    public long TimeExceededSent { get; init; }
    /// <summary>ICMP errors not sent because the token bucket was empty.</summary>
    public long IcmpErrorsRateLimited { get; init; }
    /// <summary>UDP datagrams delivered to a socket.</summary>
    public long UdpReceived { get; init; }
    public long UdpSent { get; init; }
    public long IgmpReceived { get; init; }
    public long IgmpReportsSent { get; init; }
    public long IgmpLeavesSent { get; init; }
    public long FragmentsReceived { get; init; }
    /// <summary>Fragments that overlapped data already received with the same bytes (accepted).</summary>
    public long FragmentsOverlapping { get; init; }
    /// <summary>Datagrams rebuilt from fragments.</summary>
    public long Reassembled { get; init; }
    public long FragmentsSent { get; init; }

    internal long[] DropCounts
    {
        init => value.AsSpan().CopyTo(_drops);
    }

    /// <summary>Drops for one reason.</summary>
    public long Dropped(StackDropReason reason) => _drops[(int)reason];

    /// <summary>Drops for every reason together.</summary>
    public long DropsTotal
    {
        get
        {
            long total = 0;
            foreach (long count in _drops) total += count;
            return total;
        }
    }

    /// <summary>Every reason with its count, zeros included, in declaration order.</summary>
    public IEnumerable<KeyValuePair<StackDropReason, long>> Drops =>
        Enum.GetValues<StackDropReason>().Select(reason => KeyValuePair.Create(reason, _drops[(int)reason]));

    /// <summary>The snake_case name of a drop reason, as <see cref="WriteJson"/> writes it ("bad_checksum").</summary>
    public static string NameOf(StackDropReason reason) => DropNames[(int)reason];

    /// <summary>Adds the counters of several stacks (one per worker).</summary>
    public static StackCountersSnapshot Sum(IEnumerable<StackCountersSnapshot> snapshots)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        var drops = new long[DropReasonCount];
        long[] t = new long[ValueNames.Length];
        foreach (var s in snapshots)
        {
            ReadOnlySpan<long> values = s.Values();
            for (int i = 0; i < t.Length; i++) t[i] += values[i];
            for (int i = 0; i < drops.Length; i++) drops[i] += s._drops[i];
        }
        return new StackCountersSnapshot
        {
            RxPackets = t[0], RxBytes = t[1], TxPackets = t[2], TxBytes = t[3], ArpRequestsReceived = t[4],
            ArpRepliesReceived = t[5], ArpReplies = t[6], ArpRequestsSent = t[7], ArpGratuitousSent = t[8],
            ArpConflicts = t[9], Ipv4Delivered = t[10], IcmpReceived = t[11], EchoRequests = t[12], EchoReplies = t[13],
            TimestampReplies = t[14], UnreachablesSent = t[15], TimeExceededSent = t[16], IcmpErrorsRateLimited = t[17],
            UdpReceived = t[18], UdpSent = t[19], IgmpReceived = t[20], IgmpReportsSent = t[21], IgmpLeavesSent = t[22],
            FragmentsReceived = t[23], FragmentsOverlapping = t[24], Reassembled = t[25], FragmentsSent = t[26],
            DropCounts = drops,
        };
    }

    private long[] Values() =>
    [
        RxPackets, RxBytes, TxPackets, TxBytes, ArpRequestsReceived, ArpRepliesReceived, ArpReplies, ArpRequestsSent,
        ArpGratuitousSent, ArpConflicts, Ipv4Delivered, IcmpReceived, EchoRequests, EchoReplies, TimestampReplies,
        UnreachablesSent, TimeExceededSent, IcmpErrorsRateLimited, UdpReceived, UdpSent, IgmpReceived, IgmpReportsSent, IgmpLeavesSent,
        FragmentsReceived, FragmentsOverlapping, Reassembled, FragmentsSent,
    ];

    private static readonly string[] ValueNames =
    [
        "rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "arp_requests_received", "arp_replies_received", "arp_replies",
        "arp_requests_sent", "arp_gratuitous_sent", "arp_conflicts", "ipv4_delivered", "icmp_received", "echo_requests",
        "echo_replies", "timestamp_replies", "unreachables_sent", "time_exceeded_sent", "icmp_errors_rate_limited", "udp_received", "udp_sent",
        "igmp_received", "igmp_reports_sent", "igmp_leaves_sent", "fragments_received", "fragments_overlapping",
        "reassembled", "fragments_sent",
    ];

    /// <summary>
    /// Writes the counters as one JSON object: every counter by its snake_case name ("rx_packets",
    /// "echo_replies", "arp_replies", ...), "drops_total", and "drops" with one member per reason.
    /// </summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        WriteJsonMembers(writer);
        writer.WriteEndObject();
    }

    /// <summary>The members of <see cref="WriteJson"/> without the enclosing braces, to embed in a larger object.</summary>
    public void WriteJsonMembers(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ReadOnlySpan<long> values = Values();
        for (int i = 0; i < values.Length; i++) writer.WriteNumber(ValueNames[i], values[i]);
        writer.WriteNumber("drops_total", DropsTotal);
        writer.WriteStartObject("drops");
        for (int i = 0; i < _drops.Length; i++) writer.WriteNumber(DropNames[i], _drops[i]);
        writer.WriteEndObject();
    }

    /// <summary>The counters as an indented JSON document.</summary>
    public string ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true })) WriteJson(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
