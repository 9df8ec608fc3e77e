using System.Runtime.InteropServices;

namespace FastPath.Drivers.Linux.Interop;

/// <summary>
/// AF_PACKET (include/uapi/linux/if_packet.h): socket options at SOL_PACKET, the mmap ring headers and the
/// status words the kernel and user space hand each slot over with. Layouts are x86-64/arm64 (LP64).
/// </summary>
internal static unsafe class PacketSocket
{
    /// <summary>htons(ETH_P_ALL): every protocol, as sll_protocol (network byte order) expects it.</summary>
    internal const ushort ETH_P_ALL_BE = 0x0300;

    internal const int PACKET_ADD_MEMBERSHIP = 1;
    internal const int PACKET_DROP_MEMBERSHIP = 2;
    internal const int PACKET_RX_RING = 5;
    internal const int PACKET_STATISTICS = 6;
    internal const int PACKET_VERSION = 10;
    internal const int PACKET_RESERVE = 12;
    internal const int PACKET_TX_RING = 13;
    internal const int PACKET_LOSS = 14;
    internal const int PACKET_VNET_HDR = 15;
    internal const int PACKET_FANOUT = 18;
    internal const int PACKET_QDISC_BYPASS = 20;
    internal const int PACKET_IGNORE_OUTGOING = 23;

    internal const int TPACKET_V2 = 1;
    internal const int TPACKET_V3 = 2;

    internal const int PACKET_FANOUT_HASH = 0;
    internal const int PACKET_FANOUT_FLAG_ROLLOVER = 0x1000;
    internal const int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;
    /// <summary>Linux 6.9+: the group's hook skips outgoing frames (the per-socket PACKET_IGNORE_OUTGOING does not apply to a fanout group's hook).</summary>
    internal const int PACKET_FANOUT_FLAG_IGNORE_OUTGOING = 0x4000;
    internal const int PACKET_FANOUT_FLAG_DEFRAG = 0x8000;

    internal const ushort PACKET_MR_MULTICAST = 0;
    internal const ushort PACKET_MR_PROMISC = 1;
    internal const ushort PACKET_MR_ALLMULTI = 2;

    // RX ring status (per block in TPACKET_V3, per frame in V1/V2).
    internal const uint TP_STATUS_KERNEL = 0;
    internal const uint TP_STATUS_USER = 1 << 0;
    internal const uint TP_STATUS_COPY = 1 << 1;
    internal const uint TP_STATUS_LOSING = 1 << 2;
    internal const uint TP_STATUS_CSUMNOTREADY = 1 << 3;
    internal const uint TP_STATUS_VLAN_VALID = 1 << 4;
    internal const uint TP_STATUS_BLK_TMO = 1 << 5;
    internal const uint TP_STATUS_VLAN_TPID_VALID = 1 << 6;
    internal const uint TP_STATUS_CSUM_VALID = 1 << 7;

    // TX ring status (per frame).
    internal const uint TP_STATUS_AVAILABLE = 0;
    internal const uint TP_STATUS_SEND_REQUEST = 1 << 0;
    internal const uint TP_STATUS_SENDING = 1 << 1;
    internal const uint TP_STATUS_WRONG_FORMAT = 1 << 2;

    internal const int TPACKET_ALIGNMENT = 16;

    /// <summary>TPACKET3_HDRLEN: TPACKET_ALIGN(sizeof(tpacket3_hdr)) + sizeof(sockaddr_ll).</summary>
    internal const int TPACKET3_HDRLEN = 68;
    /// <summary>TPACKET2_HDRLEN: TPACKET_ALIGN(sizeof(tpacket2_hdr)) + sizeof(sockaddr_ll).</summary>
    internal const int TPACKET2_HDRLEN = 52;

    /// <summary>
    /// Where a TX slot's frame starts without PACKET_TX_HAS_OFF: tpacket_parse_header uses
    /// <c>tp_hdrlen - sizeof(struct sockaddr_ll)</c>, i.e. 48 for TPACKET_V3 and 32 for TPACKET_V2.
    /// </summary>
    internal const int TPACKET3_TX_DATA_OFFSET = TPACKET3_HDRLEN - 20;
    internal const int TPACKET2_TX_DATA_OFFSET = TPACKET2_HDRLEN - 20;

    /// <summary>sizeof(struct virtio_net_hdr): what PACKET_VNET_HDR puts in front of every frame.</summary>
    internal const int VirtioNetHeaderSize = 10;

    /// <summary>
    /// struct virtio_net_hdr (linux/virtio_net.h), little-endian fields (vio_le() on little-endian hosts).
    /// On transmit, hdr_len tells tpacket_snd how many bytes to copy into the skb's linear part.
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Pack = 2)]
    internal struct VirtioNetHeader
    {
        internal byte Flags;
        internal byte GsoType;
        internal ushort HeaderLength;
        internal ushort GsoSize;
        internal ushort ChecksumStart;
        internal ushort ChecksumOffset;
    }

    /// <summary>struct sockaddr_ll (20 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockaddrLl
    {
        internal ushort Family;
        /// <summary>Network byte order.</summary>
        internal ushort Protocol;
        internal int InterfaceIndex;
        internal ushort HardwareType;
        internal byte PacketType;
        internal byte AddressLength;
        internal fixed byte Address[8];
    }

    /// <summary>struct tpacket_req: ring geometry for TPACKET_V1/V2.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TpacketReq
    {
        internal uint BlockSize;
        internal uint BlockCount;
        internal uint FrameSize;
        internal uint FrameCount;
    }

    /// <summary>struct tpacket_req3: ring geometry for TPACKET_V3, with the block retire timeout.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TpacketReq3
    {
        internal uint BlockSize;
        internal uint BlockCount;
        internal uint FrameSize;
        internal uint FrameCount;
        internal uint RetireBlockTimeoutMilliseconds;
        internal uint SizeOfPrivate;
        internal uint FeatureRequestWord;
    }

    /// <summary>struct tpacket_bd_ts.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TpacketBlockTimestamp
    {
        internal uint Seconds;
        internal uint Nanoseconds;
    }

    /// <summary>struct tpacket_hdr_v1: the header of one TPACKET_V3 block (40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TpacketHdrV1
    {
        internal uint BlockStatus;
        internal uint PacketCount;
        internal uint OffsetToFirstPacket;
        internal uint BlockLength;
        internal ulong SequenceNumber;
        internal TpacketBlockTimestamp FirstPacketTime;
        internal TpacketBlockTimestamp LastPacketTime;
    }

    /// <summary>struct tpacket_block_desc: version, offset to the private area, then the V1 block header.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TpacketBlockDesc
    {
        internal uint Version;
        internal uint OffsetToPrivate;
        internal TpacketHdrV1 Header;
    }

    /// <summary>struct tpacket3_hdr: one frame inside a TPACKET_V3 block, or one TX slot (48 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Tpacket3Hdr
    {
        internal uint NextOffset;
        internal uint Seconds;
        internal uint Nanoseconds;
        internal uint SnapLength;
        internal uint Length;
        internal uint Status;
        internal ushort MacOffset;
        internal ushort NetworkOffset;
        // struct tpacket_hdr_variant1 hv1
        internal uint RxHash;
        internal uint VlanTci;
        internal ushort VlanTpid;
        internal ushort VariantPadding;
        internal fixed byte Padding[8];
    }

    /// <summary>struct tpacket2_hdr: one TPACKET_V2 frame (32 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Tpacket2Hdr
    {
        internal uint Status;
        internal uint Length;
        internal uint SnapLength;
        internal ushort MacOffset;
        internal ushort NetworkOffset;
        internal uint Seconds;
        internal uint Nanoseconds;
        internal ushort VlanTci;
        internal ushort VlanTpid;
        internal fixed byte Padding[4];
    }

    /// <summary>struct tpacket_stats_v3. Reading it (PACKET_STATISTICS) resets the kernel's counters.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TpacketStatsV3
    {
        /// <summary>Frames seen, drops included (packet_getsockopt adds tp_drops to it).</summary>
        internal uint Packets;
        internal uint Drops;
        /// <summary>Times the ring froze: every block was owned by user space when a frame came.</summary>
        internal uint FreezeQueueCount;
    }

    /// <summary>struct packet_mreq: a membership (multicast MAC, promiscuous, all-multicast) on one interface.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PacketMreq
    {
        internal int InterfaceIndex;
        internal ushort Type;
        internal ushort AddressLength;
        internal fixed byte Address[8];
    }
}
