namespace FastPath.Engine.Pcap;

/// <summary>
/// The classic libpcap file layout (draft-ietf-opsawg-pcap): a 24-byte global header, then records, each a
/// 16-byte header and the captured bytes. Every field is in the writer's byte order, which the magic number
/// reveals to the reader.
/// </summary>
internal static class PcapFormat
{
    public const uint MagicMicroseconds = 0xa1b2c3d4;
    public const uint MagicNanoseconds = 0xa1b23c4d;
    /// <summary>Section header block type of pcapng (same in both byte orders), a common mix-up worth naming.</summary>
    public const uint PcapNgMagic = 0x0a0d0d0a;

    public const ushort VersionMajor = 2;
    public const ushort VersionMinor = 4;

    public const int GlobalHeaderLength = 24;
    public const int RecordHeaderLength = 16;

    /// <summary>tcpdump's and Wireshark's default snapshot length (libpcap MAXIMUM_SNAPLEN).</summary>
    public const int DefaultSnapLength = 262144;

    /// <summary>
    /// Records larger than this are corruption, not packets: Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD is the
    /// same 256 KiB, and trusting a garbage length would make the reader allocate or skip gigabytes.
    /// </summary>
    public const int MaxRecordLength = 262144;
}
