using System.Runtime.InteropServices;
using FastPath.Drivers.Linux.Devices;
using FastPath.Drivers.Linux.Interop;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Wire.Ethernet;
using Mman = FastPath.Engine.Interop.Mman;

namespace FastPath.Drivers.Linux.AfPacket;

/// <summary>
/// A port on any Linux interface through AF_PACKET mmap rings: a TPACKET_V3 receive ring (frames copied out
/// into the port's pool, once each, as DPDK's af_packet PMD does, and each block returned to the kernel as
/// soon as its last frame is copied) and a transmit ring that Transmit fills and Flush kicks with one sendto
/// per burst, bypassing the qdisc. The driver for interfaces and kernels where AF_XDP is not available:
/// loopback, tunnels, containers without CAP_BPF.
/// <para>
/// Owned by one worker thread (Receive, Transmit, Flush, membership); <see cref="Stats"/> may be read from
/// any thread. With <see cref="AfPacketOptions.FanoutGroup"/> several ports, one per worker, share an
/// interface: the kernel splits received frames between them by flow hash.
/// </para>
/// <para>
/// Stats: RxPackets/RxBytes and TxPackets/TxBytes count what this port delivered and queued. RxDropped is
/// the kernel's tp_drops (frames that found no free block); RxRingFull is tp_freeze_q_cnt (times every
/// block was waiting for user space); RxInvalid counts frames too long for a pool frame or truncated by the
/// ring (dropped); FillRingEmpty counts Receive calls cut short by an empty pool (the frames stay in the
/// ring). TxRingFull counts Transmit calls cut short by a busy slot; TxInvalid counts frames shorter than an
/// Ethernet header or longer than the MTU allows (freed, not sent). TxDropped stays 0: what the driver drops
/// after the kernel took a frame shows in the interface's own counters, not the socket's.
/// </para>
/// </summary>
public sealed unsafe partial class AfPacketPort : IPacketPort, IWaitablePort
{
    private const string DriverName = "afpacket";
    private const int EthernetHeaderLength = 14;
    /// <summary>tpacket_snd accepts dev->mtu + dev->hard_header_len + VLAN_HLEN bytes.</summary>
    private const int LinkOverhead = EthernetHeaderLength + 4;

    private readonly FrameRegion _region;
    private readonly int _interfaceIndex;
    private readonly nuint _rxMappingLength;
    private readonly nuint _txMappingLength;
    private int _fd;
    private int _txFd;
    private byte* _rxMapping;
    private byte* _txMapping;

    private PortStats _stats;
    // PACKET_STATISTICS resets the kernel's counters on every read: the totals live here. Interlocked, since
    // Stats may be read from a telemetry thread while the worker runs.
    private long _kernelDrops;
    private long _kernelFreezes;
    private long _checksumsCompleted;
    private long _checksumsLeftPartial;
    private long _txLinkDown;
    private readonly LinkWatch _link;
    private int _disposed;

    private AfPacketPort(NetworkDevice device, AfPacketOptions options, FrameRegion region, Sockets sockets, RingLayout layout, LinkWatch link)
    {
        _region = region;
        _link = link;
        Pool = new FramePool(region);
        _interfaceIndex = device.Index;
        _fd = sockets.Rx;
        _txFd = sockets.Tx;
        _rxMapping = sockets.RxRing;
        _txMapping = sockets.TxRing;
        _rxMappingLength = (nuint)layout.RxLength;
        _txMappingLength = (nuint)layout.TxLength;
        Options = options;
        Device = device;
        string mode = options.FanoutGroup is null ? "tpacket-v3" : "tpacket-v3 fanout";
        Info = new PortInfo(device.Name, device.Mac, device.Mtu, options.Queue, DriverName, mode);

        _regionBase = (byte*)region.BaseAddress;
        _frameShift = region.FrameShift;

        _rxRing = sockets.RxRing;
        _rxBlockSize = (nint)layout.Rx.BlockSize;
        _rxBlockCount = (int)layout.Rx.BlockCount;
        _rxMaxCopy = (uint)(region.FrameSize - Pool.Headroom);
        _headroom = (ushort)Pool.Headroom;

        _txRing = sockets.TxRing;
        _txMask = layout.Tx.FrameCount - 1;
        _txSlotShift = System.Numerics.BitOperations.Log2((uint)layout.TxSlotSize);
        _txMaxLength = (uint)Math.Min(layout.TxMaxFrameLength, (long)device.Mtu + LinkOverhead);
    }

    /// <summary>The two sockets and their mapped rings while a port is being opened.</summary>
    private struct Sockets
    {
        internal int Rx;
        internal int Tx;
        internal byte* RxRing;
        internal byte* TxRing;
    }

    /// <summary>
    /// Opens a port on <paramref name="interfaceName"/> in the calling thread's network namespace. Throws
    /// <see cref="IOException"/> with a one-line reason: no such interface, no CAP_NET_RAW, a ring the
    /// kernel refused.
    /// </summary>
    /// <remarks>
    /// Two sockets: one receives (ETH_P_ALL, RX ring, fanout, memberships), one only sends (bound with
    /// protocol 0, so it never receives anything, not even a copy of what it sends). They are separate
    /// because the sending one uses PACKET_VNET_HDR (see <see cref="Transmit"/>), which would also change
    /// how the kernel fills, and for some GSO frames drops, the receive ring.
    /// </remarks>
    public static AfPacketPort Open(string interfaceName, AfPacketOptions? options = null)
    {
        options ??= new AfPacketOptions();
        options.Validate();
        NetworkDevice device = NetworkDevice.Find(interfaceName);

        int frameSize = options.FrameSize ?? (device.Mtu + LinkOverhead + FramePool.DefaultHeadroom <= 2048 ? 2048 : 4096);
        RingLayout layout = RingLayout.For(options, frameSize);
        FrameRegion region = FrameRegion.Create(options.FrameCount, frameSize);
        var sockets = new Sockets { Rx = -1, Tx = -1 };
        LinkWatch? link = null;
        try
        {
            sockets.Tx = CreateSocket();
            ConfigureTransmitSocket(sockets.Tx, options);
            Socket.SetOption(sockets.Tx, Socket.SOL_PACKET, PacketSocket.PACKET_TX_RING, layout.Tx, "PACKET_TX_RING");
            sockets.TxRing = MapRing(sockets.Tx, layout.TxLength, "mmap(AF_PACKET TX ring)");
            Bind(sockets.Tx, device.Index, protocol: 0);

            sockets.Rx = CreateSocket();
            Socket.SetOption(sockets.Rx, Socket.SOL_PACKET, PacketSocket.PACKET_VERSION, PacketSocket.TPACKET_V3, "PACKET_VERSION");
            if (options.IgnoreOutgoing)
                Socket.SetOption(sockets.Rx, Socket.SOL_PACKET, PacketSocket.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            Socket.SetOption(sockets.Rx, Socket.SOL_PACKET, PacketSocket.PACKET_RX_RING, layout.Rx, "PACKET_RX_RING");
            sockets.RxRing = MapRing(sockets.Rx, layout.RxLength, "mmap(AF_PACKET RX ring)");
            // Bound last, with the protocol: until bind names one, the socket receives nothing, so no frame
            // can queue on the socket before the ring exists (the order packet_mmap.rst recommends).
            Bind(sockets.Rx, device.Index, PacketSocket.ETH_P_ALL_BE);
            if (options.Promiscuous) ChangeMembership(sockets.Rx, device.Index, PacketSocket.PACKET_ADD_MEMBERSHIP, PacketSocket.PACKET_MR_PROMISC, null);
            if (options.FanoutGroup is int group) JoinFanout(sockets.Rx, group, options.IgnoreOutgoing);
            link = LinkWatch.Open(device);
            return new AfPacketPort(device, options, region, sockets, layout, link);
        }
        catch
        {
            if (sockets.RxRing != null) _ = Mman.Unmap((nint)sockets.RxRing, (nuint)layout.RxLength);
            if (sockets.TxRing != null) _ = Mman.Unmap((nint)sockets.TxRing, (nuint)layout.TxLength);
            if (sockets.Rx >= 0) _ = Libc.Close(sockets.Rx);
            if (sockets.Tx >= 0) _ = Libc.Close(sockets.Tx);
            link?.Dispose();
            region.Dispose();
            throw;
        }
    }

    public PortInfo Info { get; }

    public FramePool Pool { get; }

    public AfPacketOptions Options { get; }

    /// <summary>The interface as it was when the port opened.</summary>
    public NetworkDevice Device { get; }

    /// <summary>The receiving socket, for poll(2): POLLIN when a receive block is ready.</summary>
    public int FileDescriptor => _fd;

    /// <summary>Received frames whose TCP/UDP checksum was only partial (TP_STATUS_CSUMNOTREADY) and that this port completed.</summary>
    public long ChecksumsCompleted => Interlocked.Read(ref _checksumsCompleted);

    /// <summary>Received frames marked TP_STATUS_CSUMNOTREADY that were not IPv4 TCP/UDP, delivered with the partial checksum.</summary>
    public long ChecksumsLeftPartial => Interlocked.Read(ref _checksumsLeftPartial);

    /// <summary>
    /// Counters of this port; reading them also collects the kernel's PACKET_STATISTICS (one getsockopt, so
    /// not for the per-packet path).
    /// </summary>
    public PortStats Stats
    {
        get
        {
            CollectKernelStatistics();
            PortStats stats = _stats;
            stats.RxDropped += Interlocked.Read(ref _kernelDrops);
            stats.RxRingFull += Interlocked.Read(ref _kernelFreezes);
            stats.LinkDowns = _link.Current.Downs;
            stats.TxLinkDown = Interlocked.Read(ref _txLinkDown);
            return stats;
        }
    }

    /// <summary>Blocks until a receive block is ready or the timeout passes; true when Receive has frames (or may have).</summary>
    public bool WaitForReceive(int timeoutMilliseconds)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (RxBlockReady) return true;
        int result = Libc.PollReadable(_fd, timeoutMilliseconds);
        if (result < 0) Errors.ThrowLast("poll(AF_PACKET)");
        // packet_notifier sets sk_err = ENETDOWN when the link goes down, and poll then reports POLLERR at
        // once until something reads the error: read it, or an idle worker would spin here after an outage.
        if (result > 0 && !RxBlockReady) ClearSocketError();
        return result > 0;
    }

    /// <summary>The link as the port last found it (see <see cref="IPacketPort.Link"/>).</summary>
    public PortLink Link => _link.Current;

    /// <summary>Looks at the link unless it was looked at in the last 100 ms; any thread. Once the port is disposed it answers from its last look (the watch's socket is closed with the port).</summary>
    public PortLink CheckLink() => _link.Check();

    /// <summary>Receives frames sent to the multicast MAC <paramref name="group"/> (the interface's filter admits it; reference-counted).</summary>
    public void AddMulticastMembership(MacAddress group)
    {
        ThrowIfNotMulticast(group);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ChangeMembership(_fd, _interfaceIndex, PacketSocket.PACKET_ADD_MEMBERSHIP, PacketSocket.PACKET_MR_MULTICAST, group);
    }

    /// <summary>Undoes one <see cref="AddMulticastMembership"/> (memberships also end when the port is disposed).</summary>
    public void DropMulticastMembership(MacAddress group)
    {
        ThrowIfNotMulticast(group);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ChangeMembership(_fd, _interfaceIndex, PacketSocket.PACKET_DROP_MEMBERSHIP, PacketSocket.PACKET_MR_MULTICAST, group);
    }

    /// <summary>Unmaps the rings, closes both sockets (ending memberships and fanout) and frees the region. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        CollectKernelStatistics();
        Release();
        GC.SuppressFinalize(this);
    }

    ~AfPacketPort()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) Release();
    }

    private void Release()
    {
        if (_rxMapping != null)
        {
            _ = Mman.Unmap((nint)_rxMapping, _rxMappingLength);
            _rxMapping = null;
            _rxRing = null;
        }
        if (_txMapping != null)
        {
            _ = Mman.Unmap((nint)_txMapping, _txMappingLength);
            _txMapping = null;
            _txRing = null;
        }
        if (_fd >= 0)
        {
            _ = Libc.Close(_fd);
            _fd = -1;
        }
        if (_txFd >= 0)
        {
            _ = Libc.Close(_txFd);
            _txFd = -1;
        }
        // FrameRegion has no finalizer of its own, so it is still whole here even on the finalizer thread.
        _region.Dispose();
        _link.Dispose();
    }

    private void CollectKernelStatistics()
    {
        int fd = _fd;
        if (fd < 0) return;
        PacketSocket.TpacketStatsV3 statistics;
        uint length = (uint)sizeof(PacketSocket.TpacketStatsV3);
        if (Socket.GetOption(fd, Socket.SOL_PACKET, PacketSocket.PACKET_STATISTICS, &statistics, &length) < 0) return;
        Interlocked.Add(ref _kernelDrops, statistics.Drops);
        Interlocked.Add(ref _kernelFreezes, statistics.FreezeQueueCount);
    }

    private void ClearSocketError()
    {
        int error;
        uint length = sizeof(int);
        _ = Socket.GetOption(_fd, Socket.SOL_SOCKET, Socket.SO_ERROR, &error, &length);
    }

    private static int CreateSocket()
    {
        // Protocol 0: the socket takes no frames until bind names ETH_P_ALL, after the rings exist.
        int fd = Socket.Create(Socket.AF_PACKET, Socket.SOCK_RAW | Socket.SOCK_CLOEXEC, 0);
        if (fd >= 0) return fd;
        int errno = Marshal.GetLastPInvokeError();
        var error = new SyscallException("socket(AF_PACKET)", errno);
        if (errno is Errors.EPERM or Errors.EACCES)
            throw PrivilegeErrors.Refused("AF_PACKET", [Capabilities.CAP_NET_RAW], "to open a packet socket", error);
        throw error;
    }

    private static void ConfigureTransmitSocket(int fd, AfPacketOptions options)
    {
        // Version, loss mode and the vnet header must be set before the ring exists (EBUSY after).
        Socket.SetOption(fd, Socket.SOL_PACKET, PacketSocket.PACKET_VERSION, PacketSocket.TPACKET_V3, "PACKET_VERSION");
        // PACKET_LOSS: a TX frame the kernel refuses is skipped (slot back to AVAILABLE) instead of being
        // marked TP_STATUS_WRONG_FORMAT, which would stop tpacket_snd at that slot for good.
        Socket.SetOption(fd, Socket.SOL_PACKET, PacketSocket.PACKET_LOSS, 1, "PACKET_LOSS");
        Socket.SetOption(fd, Socket.SOL_PACKET, PacketSocket.PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
        if (options.QdiscBypass)
            Socket.SetOption(fd, Socket.SOL_PACKET, PacketSocket.PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
    }

    private static byte* MapRing(int fd, long length, string what)
    {
        // MAP_POPULATE: fault the ring in now rather than on the first frames of a measurement.
        nint address = Mman.Map(0, (nuint)length, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED | Mman.MAP_POPULATE, fd, 0);
        if (address == Mman.MAP_FAILED) Errors.ThrowLast(what);
        return (byte*)address;
    }

    private static void Bind(int fd, int interfaceIndex, ushort protocol)
    {
        var address = new PacketSocket.SockaddrLl
        {
            Family = Socket.AF_PACKET,
            Protocol = protocol,
            InterfaceIndex = interfaceIndex,
        };
        if (Socket.Bind(fd, &address, (uint)sizeof(PacketSocket.SockaddrLl)) < 0) Errors.ThrowLast("bind(AF_PACKET)");
    }

    private static void JoinFanout(int fd, int group, bool ignoreOutgoing)
    {
        // The group has one hook of its own, so the per-socket PACKET_IGNORE_OUTGOING does not reach it;
        // Linux 6.9 added the flag for the group. Older kernels refuse it (EINVAL): join without it.
        int typeFlags = PacketSocket.PACKET_FANOUT_HASH;
        if (ignoreOutgoing)
        {
            int withFlag = group | ((typeFlags | PacketSocket.PACKET_FANOUT_FLAG_IGNORE_OUTGOING) << 16);
            if (Socket.SetOption(fd, Socket.SOL_PACKET, PacketSocket.PACKET_FANOUT, &withFlag, sizeof(int)) == 0) return;
            if (Marshal.GetLastPInvokeError() != Errors.EINVAL) Errors.ThrowLast("setsockopt(PACKET_FANOUT)");
        }
        Socket.SetOption(fd, Socket.SOL_PACKET, PacketSocket.PACKET_FANOUT, group | (typeFlags << 16), "PACKET_FANOUT");
    }

    private static void ChangeMembership(int fd, int interfaceIndex, int option, ushort type, MacAddress? address)
    {
        var request = new PacketSocket.PacketMreq { InterfaceIndex = interfaceIndex, Type = type };
        if (address is MacAddress mac)
        {
            request.AddressLength = MacAddress.Length;
            mac.CopyTo(new Span<byte>(request.Address, MacAddress.Length));
        }
        Socket.SetOption(fd, Socket.SOL_PACKET, option, request,
            option == PacketSocket.PACKET_ADD_MEMBERSHIP ? "PACKET_ADD_MEMBERSHIP" : "PACKET_DROP_MEMBERSHIP");
    }

    private static void ThrowIfNotMulticast(MacAddress group)
    {
        if (!group.IsMulticast) throw new ArgumentException($"{group} is not a multicast MAC address", nameof(group));
    }
}
