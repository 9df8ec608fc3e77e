using System.Runtime.InteropServices;
using FastPath.Drivers.Linux.Interop;
using FastPath.Engine.Interop;
using FastPath.Engine.Memory;

namespace FastPath.Drivers.Linux.AfXdp;

/// <summary>
/// One AF_XDP socket with its own UMEM: the control-path half of a port. It registers the frame region,
/// sizes and maps the four rings, binds to a queue, and reads the kernel's statistics; the port drives
/// the rings it hands out.
/// </summary>
internal sealed unsafe class XskSocket : IDisposable
{
    private readonly FileDescriptorHandle _handle;
    private readonly RingMapping[] _mappings = new RingMapping[4];
    private int _disposed;

    private XskSocket(FileDescriptorHandle handle) => _handle = handle;

    ~XskSocket() => Unmap();

    public int Fd => _handle.Fd;

    public XskProducerRing Fill { get; private set; }
    public XskConsumerRing Completion { get; private set; }
    public XskConsumerRing Rx { get; private set; }
    public XskProducerRing Tx { get; private set; }

    /// <summary>
    /// Opens the socket and registers <paramref name="umem"/>: RX, TX and completion rings of
    /// <paramref name="ringSize"/> entries, and a fill ring twice that. The kernel takes fill entries in
    /// batches and publishes its consumer index only when a batch is used up, so up to a ring's worth of
    /// slots that it has already emptied still look taken; with twice the room, a port that keeps
    /// <paramref name="ringSize"/> frames in the kernel can always put back what it received, instead of
    /// waiting while the kernel runs dry and drops (what a fill ring the size of the frames held does).
    /// </summary>
    public static XskSocket Create(FrameRegion umem, int ringSize)
    {
        int fd = Interop.Socket.Create(Interop.Socket.AF_XDP, Interop.Socket.SOCK_RAW | Interop.Socket.SOCK_CLOEXEC, 0);
        if (fd < 0) ThrowSocketFailed(Marshal.GetLastPInvokeError());
        var socket = new XskSocket(new FileDescriptorHandle(fd));
        try
        {
            socket.Setup(umem, (uint)ringSize);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Setup(FrameRegion umem, uint ringSize)
    {
        var registration = new Xdp.UmemRegistration
        {
            Address = (ulong)umem.BaseAddress,
            Length = (ulong)umem.Length,
            ChunkSize = (uint)umem.FrameSize,
            Headroom = 0,
        };
        try
        {
            Interop.Socket.SetOption(Fd, Interop.Socket.SOL_XDP, Xdp.XDP_UMEM_REG, registration, "XDP_UMEM_REG");
        }
        catch (SyscallException e) when (e.Errno == Errors.ENOBUFS)
        {
            // xdp_umem_account_pages: without CAP_IPC_LOCK the UMEM's pages count against RLIMIT_MEMLOCK,
            // summed over every process of the same user; ENOBUFS is its only failure.
            string size = $"{umem.Length >> 20} MiB";
            throw PrivilegeErrors.Refused("AF_XDP", [Capabilities.CAP_IPC_LOCK], $"to register its {size} UMEM", e,
                $"a locked-memory limit (ulimit -l) {size} above what this user has locked already");
        }
        uint fillSize = ringSize * 2;
        Interop.Socket.SetOption(Fd, Interop.Socket.SOL_XDP, Xdp.XDP_UMEM_FILL_RING, (int)fillSize, "XDP_UMEM_FILL_RING");
        Interop.Socket.SetOption(Fd, Interop.Socket.SOL_XDP, Xdp.XDP_UMEM_COMPLETION_RING, (int)ringSize, "XDP_UMEM_COMPLETION_RING");
        Interop.Socket.SetOption(Fd, Interop.Socket.SOL_XDP, Xdp.XDP_RX_RING, (int)ringSize, "XDP_RX_RING");
        Interop.Socket.SetOption(Fd, Interop.Socket.SOL_XDP, Xdp.XDP_TX_RING, (int)ringSize, "XDP_TX_RING");
        Interop.Socket.GetOption(Fd, Interop.Socket.SOL_XDP, Xdp.XDP_MMAP_OFFSETS, out Xdp.MmapOffsets offsets, "XDP_MMAP_OFFSETS");

        Fill = new XskProducerRing(MapRing(0, Xdp.XDP_UMEM_PGOFF_FILL_RING, offsets.Fill, fillSize, sizeof(ulong), "fill"), offsets.Fill, fillSize);
        Completion = new XskConsumerRing(MapRing(1, Xdp.XDP_UMEM_PGOFF_COMPLETION_RING, offsets.Completion, ringSize, sizeof(ulong), "completion"), offsets.Completion, ringSize);
        Rx = new XskConsumerRing(MapRing(2, Xdp.XDP_PGOFF_RX_RING, offsets.Rx, ringSize, sizeof(Xdp.Descriptor), "rx"), offsets.Rx, ringSize);
        Tx = new XskProducerRing(MapRing(3, Xdp.XDP_PGOFF_TX_RING, offsets.Tx, ringSize, sizeof(Xdp.Descriptor), "tx"), offsets.Tx, ringSize);
    }

    private byte* MapRing(int slot, long pageOffset, in Xdp.RingOffset offsets, uint entries, int entrySize, string name)
    {
        nuint length = (nuint)offsets.Descriptors + (nuint)entries * (nuint)entrySize;
        nint address = Mman.Map(0, length, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED | Mman.MAP_POPULATE, Fd, pageOffset);
        if (address == Mman.MAP_FAILED) Errors.ThrowLast($"mmap(AF_XDP {name} ring)");
        _mappings[slot] = new RingMapping(address, length);
        return (byte*)address;
    }

    /// <summary>bind(2) to a queue; returns 0 or the errno, so the caller can try another mode.</summary>
    public int Bind(int interfaceIndex, int queue, ushort flags)
    {
        var address = new Xdp.SocketAddress
        {
            Family = Interop.Socket.AF_XDP,
            Flags = flags,
            InterfaceIndex = (uint)interfaceIndex,
            QueueId = (uint)queue,
        };
        return Interop.Socket.Bind(Fd, &address, (uint)sizeof(Xdp.SocketAddress)) < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>True when the bound socket moves frames without copying (XDP_OPTIONS_ZEROCOPY).</summary>
    public bool IsZeroCopy
    {
        get
        {
            Interop.Socket.GetOption(Fd, Interop.Socket.SOL_XDP, Xdp.XDP_OPTIONS, out Xdp.Options options, "XDP_OPTIONS");
            return (options.Flags & Xdp.XDP_OPTIONS_ZEROCOPY) != 0;
        }
    }

    public Xdp.Statistics ReadStatistics()
    {
        Interop.Socket.GetOption(Fd, Interop.Socket.SOL_XDP, Xdp.XDP_STATISTICS, out Xdp.Statistics statistics, "XDP_STATISTICS");
        return statistics;
    }

    /// <summary>
    /// Unmaps the rings, then closes the fd. The order matters: each mapping holds a reference on the
    /// socket's file, so the kernel releases the socket (unbinds it, drops it from XSKMAPs, lets go of the
    /// UMEM) only when both are gone.
    /// </summary>
    public void Dispose()
    {
        Unmap();
        _handle.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Unmap()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var mapping in _mappings)
        {
            if (mapping.Address != 0) _ = Mman.Unmap(mapping.Address, mapping.Length);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowSocketFailed(int errno)
    {
        var error = new SyscallException("socket(AF_XDP)", errno);
        if (errno is Errors.EPERM or Errors.EACCES) throw PrivilegeErrors.Refused("AF_XDP", [Capabilities.CAP_NET_RAW], "to open its socket", error);
        string reason = errno == Errors.EAFNOSUPPORT ? "this kernel has no AF_XDP (CONFIG_XDP_SOCKETS)" : "cannot open an AF_XDP socket";
        throw new IOException($"{reason} ({error.Message})", error);
    }

    private readonly record struct RingMapping(nint Address, nuint Length);
}
