namespace FastPath.Wire.Arp;

/// <summary>ARP opcodes (RFC 826; IANA "ARP Parameters"). Only request and reply are ARP proper.</summary>
public enum ArpOperation : ushort
{
    Request = 1,
    Reply = 2,
}
