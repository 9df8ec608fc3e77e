namespace FastPath.Wire.Icmp;

/// <summary>Destination Unreachable codes: 0-5 from RFC 792, 6-12 from RFC 1122 section 3.2.2.1, 13-15 from RFC 1812 section 5.2.7.1.</summary>
public enum Icmpv4UnreachableCode : byte
{
    NetUnreachable = 0,
    HostUnreachable = 1,
    ProtocolUnreachable = 2,
    PortUnreachable = 3,
    /// <summary>Fragmentation needed and DF set; carries the next-hop MTU (RFC 1191 section 4).</summary>
    FragmentationNeeded = 4,
    SourceRouteFailed = 5,
    DestinationNetworkUnknown = 6,
    DestinationHostUnknown = 7,
    SourceHostIsolated = 8,
    NetworkAdministrativelyProhibited = 9,
    HostAdministrativelyProhibited = 10,
    NetworkUnreachableForTos = 11,
    HostUnreachableForTos = 12,
    CommunicationAdministrativelyProhibited = 13,
    HostPrecedenceViolation = 14,
    PrecedenceCutoffInEffect = 15,
}
