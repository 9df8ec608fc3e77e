namespace FastPath.Wire.Igmp;

/// <summary>IGMP message types (RFC 3376 section 4 and appendix; RFC 2236 section 2.1; RFC 1112 appendix I).</summary>
public enum IgmpMessageType : byte
{
    /// <summary>All versions share the query type; its length and max response code tell them apart (RFC 3376 section 7.1).</summary>
    MembershipQuery = 0x11,
    V1MembershipReport = 0x12,
    V2MembershipReport = 0x16,
    /// <summary>RFC 2236 section 2.1: sent to 224.0.0.2 by IGMPv2 hosts.</summary>
    LeaveGroup = 0x17,
    V3MembershipReport = 0x22,
}
