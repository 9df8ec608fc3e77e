namespace FastPath.Engine.Pcap;

/// <summary>
/// LINKTYPE_ values of the global header (tcpdump.org/linktypes.html): how to decode each record. Other
/// values read from a file pass through as numbers.
/// </summary>
public enum PcapLinkType : uint
{
    /// <summary>LINKTYPE_ETHERNET: IEEE 802.3 frames from the destination MAC, without the FCS.</summary>
    Ethernet = 1,

    /// <summary>LINKTYPE_RAW: IPv4 or IPv6 packets, no link-layer header.</summary>
    Raw = 101,
}
