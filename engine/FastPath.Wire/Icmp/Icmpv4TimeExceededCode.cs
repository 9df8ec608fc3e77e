namespace FastPath.Wire.Icmp;

/// <summary>Time Exceeded codes (RFC 792).</summary>
public enum Icmpv4TimeExceededCode : byte
{
    /// <summary>A router decremented the TTL to zero: what traceroute relies on.</summary>
    TtlExceededInTransit = 0,
    FragmentReassemblyTimeExceeded = 1,
}
