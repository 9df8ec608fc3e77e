using System.Runtime.InteropServices;

namespace FastPath.Drivers.Linux.Interop;

/// <summary>The AF_XDP socket ABI (include/uapi/linux/if_xdp.h): bind address, UMEM registration, ring layout, options.</summary>
internal static class Xdp
{
    // sockaddr_xdp.sxdp_flags
    internal const ushort XDP_SHARED_UMEM = 1 << 0;
    internal const ushort XDP_COPY = 1 << 1;
    internal const ushort XDP_ZEROCOPY = 1 << 2;
    internal const ushort XDP_USE_NEED_WAKEUP = 1 << 3;

    /// <summary>Set by the kernel in a ring's flags word when it sleeps and must be kicked (sendto/recvfrom/poll).</summary>
    internal const uint XDP_RING_NEED_WAKEUP = 1 << 0;

    // SOL_XDP socket options
    internal const int XDP_MMAP_OFFSETS = 1;
    internal const int XDP_RX_RING = 2;
    internal const int XDP_TX_RING = 3;
    internal const int XDP_UMEM_REG = 4;
    internal const int XDP_UMEM_FILL_RING = 5;
    internal const int XDP_UMEM_COMPLETION_RING = 6;
    internal const int XDP_STATISTICS = 7;
    internal const int XDP_OPTIONS = 8;

    /// <summary>xdp_options.flags: the socket runs in zero-copy mode.</summary>
    internal const uint XDP_OPTIONS_ZEROCOPY = 1 << 0;

    // mmap offsets that select which ring of the socket a mapping shows.
    internal const long XDP_PGOFF_RX_RING = 0;
    internal const long XDP_PGOFF_TX_RING = 0x80000000;
    internal const long XDP_UMEM_PGOFF_FILL_RING = 0x100000000;
    internal const long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000;

    /// <summary>
    /// XDP_PACKET_HEADROOM (include/linux/bpf.h): the kernel writes a received frame this far into its chunk
    /// (plus the UMEM's own headroom), leaving room for XDP programs to push headers.
    /// </summary>
    internal const int XDP_PACKET_HEADROOM = 256;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SocketAddress
    {
        internal ushort Family;
        internal ushort Flags;
        internal uint InterfaceIndex;
        internal uint QueueId;
        internal uint SharedUmemFd;
    }

    /// <summary>
    /// struct xdp_umem_reg as of Linux 6.8 (with tx_metadata_len). Older kernels take this size too: they
    /// accept any length from their own struct's size up, as long as the extra bytes are zero.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct UmemRegistration
    {
        internal ulong Address;
        internal ulong Length;
        internal uint ChunkSize;
        internal uint Headroom;
        internal uint Flags;
        internal uint TxMetadataLength;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct RingOffset
    {
        internal ulong Producer;
        internal ulong Consumer;
        internal ulong Descriptors;
        internal ulong Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MmapOffsets
    {
        internal RingOffset Rx;
        internal RingOffset Tx;
        internal RingOffset Fill;
        internal RingOffset Completion;
    }

    /// <summary>An RX or TX descriptor: a UMEM address, a length and options (0 unless multi-buffer).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Descriptor
    {
        internal ulong Address;
        internal uint Length;
        internal uint Options;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Statistics
    {
        internal ulong RxDropped;
        internal ulong RxInvalidDescriptors;
        internal ulong TxInvalidDescriptors;
        internal ulong RxRingFull;
        internal ulong RxFillRingEmptyDescriptors;
        internal ulong TxRingEmptyDescriptors;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Options
    {
        internal uint Flags;
    }
}
