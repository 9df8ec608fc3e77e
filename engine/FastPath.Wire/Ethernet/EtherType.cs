namespace FastPath.Wire.Ethernet;

/// <summary>EtherType values (IEEE 802 numbers) the engine knows by name.</summary>
public enum EtherType : ushort
{
    Ipv4 = 0x0800,
    Arp = 0x0806,
    Vlan = 0x8100,
    Ipv6 = 0x86DD,
    QinQ = 0x88A8,
}
