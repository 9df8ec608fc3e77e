namespace FastPath.Wire.Ipv4;

/// <summary>IPv4 protocol numbers (IANA "Assigned Internet Protocol Numbers").</summary>
public enum IpProtocol : byte
{
    Icmp = 1,
    Igmp = 2,
    Tcp = 6,
    Udp = 17,
}
