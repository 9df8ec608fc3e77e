using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>
/// An answer to an echo request we sent, as an <see cref="IcmpEchoReplyHandler"/> sees it: the echo reply
/// itself, or an ICMP error (destination unreachable, time exceeded) whose quoted datagram is our request,
/// which is how ping learns that a router or the destination gave up on it. Valid only during the call:
/// <see cref="Payload"/> lies in the received frame.
/// </summary>
public readonly ref struct IcmpEchoReply
{
    internal IcmpEchoReply(Icmpv4Type type, byte code, Ipv4Address source, ushort identifier, ushort sequenceNumber, byte ttl,
        ReadOnlySpan<byte> payload, long receivedNanoseconds)
    {
        Type = type;
        Code = code;
        Source = source;
        Identifier = identifier;
        SequenceNumber = sequenceNumber;
        Ttl = ttl;
        Payload = payload;
        ReceivedNanoseconds = receivedNanoseconds;
    }

    /// <summary><see cref="Icmpv4Type.EchoReply"/>, or the error's type (<see cref="Icmpv4Type.DestinationUnreachable"/>, <see cref="Icmpv4Type.TimeExceeded"/>).</summary>
    public Icmpv4Type Type { get; }

    /// <summary>The ICMP code (for errors: which unreachable, which time exceeded).</summary>
    public byte Code { get; }

    /// <summary>True for an ICMP error about our request rather than a reply to it.</summary>
    public bool IsError => Type != Icmpv4Type.EchoReply;

    /// <summary>Who sent this message: the pinged host, or for an error the router or host that reports it.</summary>
    public Ipv4Address Source { get; }

    /// <summary>The identifier of our request (for an error: read from the quoted request).</summary>
    public ushort Identifier { get; }

    /// <summary>The sequence number of our request (for an error: read from the quoted request).</summary>
    public ushort SequenceNumber { get; }

    /// <summary>The TTL of the datagram that carried this message when it reached us.</summary>
    public byte Ttl { get; }

    /// <summary>The echoed data (empty for an error: RFC 792 quotes only 8 bytes past the IP header).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>When the stack took the message, on the worker's clock (nanoseconds, CLOCK_MONOTONIC for a real worker).</summary>
    public long ReceivedNanoseconds { get; }
}

/// <summary>Called on the worker's thread for each echo reply, or ICMP error about an echo request, addressed to the stack.</summary>
public delegate void IcmpEchoReplyHandler(IcmpEchoReply reply);
