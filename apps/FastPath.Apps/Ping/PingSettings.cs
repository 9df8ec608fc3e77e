using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Ping;

/// <summary>What <see cref="Pinger"/> sends, how often and how long it waits, with iputils ping's defaults.</summary>
public sealed record PingSettings
{
    /// <summary>iputils' default data size: 56 bytes, 64 with the ICMP header, 84 with IPv4's.</summary>
    public const int DefaultDataSize = 56;

    /// <summary>The largest data an echo request can carry in one IPv4 datagram (65535 - 20 - 8).</summary>
    public const int MaximumDataSize = 65507;

    /// <summary>The send time (CLOCK_MONOTONIC nanoseconds) at the start of the data: smaller requests are not timed.</summary>
    public const int TimestampLength = sizeof(long);

    public required Ipv4Address Destination { get; init; }

    /// <summary>The ICMP identifier that tells our replies from other pings' (iputils uses its pid).</summary>
    public ushort Identifier { get; init; }

    /// <summary>Requests to send; 0: until stopped.</summary>
    public long Count { get; init; }

    /// <summary>Time between requests (iputils -i); in flood mode the longest wait for a reply before the next request.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Bytes of data after the ICMP header (iputils -s).</summary>
    public int DataSize { get; init; } = DefaultDataSize;

    /// <summary>How long to wait for a reply when none has come at all (iputils -W); after a reply, twice the longest round trip.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>IPv4 TTL of the requests; 0: the stack's (64).</summary>
    public byte Ttl { get; init; }

    /// <summary>Next request as soon as the last one is answered, or after <see cref="Interval"/>, whichever is first (iputils -f).</summary>
    public bool Flood { get; init; }

    /// <summary>Queue one event per reply for the caller to print (off for -q, -f and --json: nothing is queued).</summary>
    public bool ReportEachReply { get; init; } = true;
}
