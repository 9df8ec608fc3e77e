namespace FastPath.Engine.Pcap;

/// <summary>What the fraction field of a pcap record counts; the global header's magic number says which.</summary>
public enum PcapTimestampResolution
{
    /// <summary>Magic 0xa1b2c3d4: the classic format every tool reads.</summary>
    Microseconds,

    /// <summary>Magic 0xa1b23c4d: libpcap 1.5+, Wireshark, tcpdump <c>--nano</c>.</summary>
    Nanoseconds,
}
