namespace FastPath.Wire.Icmp;

/// <summary>
/// ICMPv4 message types (IANA "ICMP Type Numbers"). <see cref="Icmpv4Repr"/> gives the first eight their
/// own fields; any other value, named here or not, parses as a generic (type, code, rest of header) message.
/// </summary>
public enum Icmpv4Type : byte
{
    EchoReply = 0,
    DestinationUnreachable = 3,
    /// <summary>Deprecated by RFC 6633; parsed as a generic message.</summary>
    SourceQuench = 4,
    /// <summary>Parsed as a generic message; the gateway address is in the rest of the header.</summary>
    Redirect = 5,
    EchoRequest = 8,
    RouterAdvertisement = 9,
    RouterSolicitation = 10,
    TimeExceeded = 11,
    /// <summary>Parsed as a generic message; the pointer is the first byte of the rest of the header.</summary>
    ParameterProblem = 12,
    /// <summary>RFC 792: originate, receive and transmit times in milliseconds since midnight UT.</summary>
    Timestamp = 13,
    TimestampReply = 14,
    /// <summary>RFC 950.</summary>
    AddressMaskRequest = 17,
    AddressMaskReply = 18,
}
