using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastPath.Drivers.Linux.Bpf;
using FastPath.Drivers.Linux.Devices;
using FastPath.Drivers.Linux.Interop;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;

namespace FastPath.Drivers.Linux.AfXdp;

/// <summary>
/// One queue of one interface through an AF_XDP socket: the UMEM is the port's own <see cref="FrameRegion"/>,
/// the fill, completion, RX and TX rings are driven here in managed code, and a small XDP program (shared
/// by every port of the process on the interface) redirects the queue's frames to the socket. Frames cross
/// between the kernel and the caller as <see cref="Packet"/> handles; nothing is copied in user space.
/// </summary>
/// <remarks>
/// One owner thread, like every port. The port keeps the fill ring topped up from <see cref="Pool"/> on
/// each <see cref="Receive"/> and returns completed TX frames to it on <see cref="Transmit"/> and
/// <see cref="Flush"/>. XDP_USE_NEED_WAKEUP is always on: syscalls happen only when the kernel asks.
/// </remarks>
public sealed unsafe class AfXdpPort : IPacketPort, IWaitablePort
{
    /// <summary>Frames taken from the pool per step of a refill (a stack buffer, no allocation).</summary>
    private const int RefillChunk = 64;

    /// <summary>How long Open waits for a queue that a just-closed socket has not yet released.</summary>
    private static readonly TimeSpan BusyQueueGrace = TimeSpan.FromSeconds(1);

    // Hot fields first. The rings are structs held in place: their cached indices change on every burst.
    private XskProducerRing _tx;
    private XskConsumerRing _completion;
    private XskConsumerRing _rx;
    private XskProducerRing _fill;
    private readonly FramePool _pool;
    private readonly int _fd;
    private readonly int _frameShift;
    private readonly uint _frameCount;
    private readonly uint _frameSize;
    private readonly uint _ringSize;
    private readonly uint _refillThreshold;
    // TX frames submitted and not yet completed: the kernel is only kicked while some are out.
    private uint _txOutstanding;
    // Frames given to the kernel through the fill ring and not yet back through the RX ring. The kernel
    // holds them in the fill ring or in its own buffer list, so keeping this at the ring size keeps the
    // fill ring as full as it can be without reading the kernel's consumer index on every Receive.
    private uint _fillHeld;

    private long _rxPackets;
    private long _rxBytes;
    private long _txPackets;
    private long _txBytes;
    private long _txRingFull;
    private long _poolDry;
    private long _txWakeups;
    private long _txWakeupsDeferred;
    private long _rxWakeups;
    private long _txLinkDown;
    private long _txDropped;

    private readonly FrameRegion _region;
    private readonly XskSocket _socket;
    private readonly XdpAttachment _attachment;
    private readonly LinkWatch _link;
    private int _disposed;

    private AfXdpPort(NetworkDevice device, AfXdpOptions options, FrameRegion region, XskSocket socket, XdpAttachment attachment, bool zeroCopy, LinkWatch link)
    {
        _link = link;
        _region = region;
        _socket = socket;
        _attachment = attachment;
        _pool = new FramePool(region);
        _fd = socket.Fd;
        _tx = socket.Tx;
        _completion = socket.Completion;
        _rx = socket.Rx;
        _fill = socket.Fill;
        _frameShift = region.FrameShift;
        _frameCount = (uint)region.FrameCount;
        _frameSize = (uint)region.FrameSize;
        _ringSize = (uint)options.RingSize;
        _refillThreshold = Math.Min(RefillChunk, _ringSize / 2);
        IsZeroCopy = zeroCopy;
        AttachMode = attachment.Mode;
        Info = new PortInfo(device.Name, device.Mac, device.Mtu, options.Queue, "afxdp",
            $"{XdpAttachment.Describe(attachment.Mode)} {(zeroCopy ? "zero-copy" : "copy")}");
    }

    ~AfXdpPort() => Release();

    /// <summary>
    /// Opens queue <see cref="AfXdpOptions.Queue"/> of <paramref name="interfaceName"/>: an AF_XDP socket
    /// with its own UMEM, bound zero-copy or copy as <see cref="AfXdpOptions.Bind"/> says, and FastPath's
    /// redirect program on the interface (attached by the first port, shared by the rest).
    /// </summary>
    /// <exception cref="IOException">No such interface or queue, no permission, no AF_XDP, the queue or interface busy.</exception>
    public static AfXdpPort Open(string interfaceName, AfXdpOptions? options = null)
    {
        options ??= new AfXdpOptions();
        options.Validate();
        var device = NetworkDevice.Find(interfaceName);
        int queues = Math.Max(device.RxQueues, device.TxQueues);
        if (options.Queue >= queues)
            throw new IOException($"'{device.Name}' has {queues} queue{(queues == 1 ? "" : "s")}; there is no queue {options.Queue}");

        var region = FrameRegion.Create(options.FrameCount, options.FrameSize);
        XskSocket? socket = null;
        XdpAttachment? attachment = null;
        LinkWatch? link = null;
        bool mapped = false;
        try
        {
            // The socket first: without permission or AF_XDP, socket(2) is the call that says so plainly.
            // Then the program, so a conflicting attach mode fails before the queue is taken.
            socket = XskSocket.Create(region, options.RingSize);
            attachment = XdpAttachment.Acquire(device, options.Attach);
            Bind(socket, device, options);
            bool zeroCopy = socket.IsZeroCopy;
            attachment.Map.Set(options.Queue, socket.Fd);
            mapped = true;
            link = LinkWatch.Open(device);
            var port = new AfXdpPort(device, options, region, socket, attachment, zeroCopy, link);
            port.Refill();
            return port;
        }
        catch
        {
            // Only our own entry: on EBUSY the queue's entry is another port's.
            if (mapped) attachment!.Map.Remove(options.Queue);
            attachment?.Release();
            link?.Dispose();
            socket?.Dispose();
            region.Dispose();
            throw;
        }
    }

    public PortInfo Info { get; }

    /// <summary>The port's UMEM frames: received packets come from it, frames to send must be allocated from it.</summary>
    public FramePool Pool => _pool;

    /// <summary>Where the redirect program runs (native or generic).</summary>
    public XdpAttachMode AttachMode { get; }

    /// <summary>True when the driver moves frames to and from the UMEM without copying.</summary>
    public bool IsZeroCopy { get; }

    /// <summary>
    /// Receives up to <c>packets.Length</c> frames (0 when none is waiting; never blocks). A packet's data
    /// starts 256 bytes into its frame (XDP_PACKET_HEADROOM). The caller frees the packets to <see cref="Pool"/>.
    /// </summary>
    public int Receive(Span<Packet> packets)
    {
        if (_ringSize - _fillHeld >= _refillThreshold) Refill();
        uint count = _rx.Peek((uint)packets.Length, out uint index);
        if (count == 0)
        {
            // As libxdp's examples: a driver that sleeps (zero-copy) waits for a syscall to look at the
            // fill ring again; copy mode never sets the flag.
            if (_fill.NeedsWakeup) WakeRx();
            if (_link.IsDue) _link.CheckNowOrThrowIfGone();
            return 0;
        }
        ref Packet destination = ref MemoryMarshal.GetReference(packets);
        ulong offsetMask = _frameSize - 1;
        long bytes = 0;
        for (uint i = 0; i < count; i++)
        {
            ref readonly Xdp.Descriptor descriptor = ref _rx.Descriptor(index + i);
            ulong address = descriptor.Address;
            uint length = descriptor.Length;
            Unsafe.Add(ref destination, i) = new Packet((uint)(address >> _frameShift), (ushort)(address & offsetMask), (ushort)length);
            bytes += length;
        }
        _rx.Release();
        _fillHeld -= count;
        _rxPackets += count;
        _rxBytes += bytes;
        return (int)count;
    }

    /// <summary>
    /// Sleeps in poll(2) until the RX ring has frames or the timeout passes: the idle path of a worker that
    /// has nothing to do, so it gives its core to the kernel's softirq work (on a small machine, the very work
    /// that fills the ring) instead of spinning. Tops up the fill ring first so the kernel has room while we sleep.
    /// </summary>
    public bool WaitForReceive(int timeoutMilliseconds)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_ringSize - _fillHeld >= _refillThreshold) Refill();
        int result = Libc.PollReadable(_fd, timeoutMilliseconds);
        if (result < 0) Errors.ThrowLast("poll(AF_XDP)");
        return result > 0;
    }

    /// <summary>
    /// Queues packets (frames of <see cref="Pool"/>) on the TX ring and returns how many it took, a prefix:
    /// those belong to the port now and go back to the pool when the kernel completes them. Call
    /// <see cref="Flush"/> to have them sent.
    /// </summary>
    /// <exception cref="ArgumentException">A packet is not inside a frame of this port's region (nothing is queued then).</exception>
    public int Transmit(ReadOnlySpan<Packet> packets)
    {
        ReapCompletions();
        uint count = _tx.Reserve((uint)packets.Length, out uint index);
        if (count < (uint)packets.Length) _txRingFull++;
        if (count == 0) return 0;

        ref Packet source = ref MemoryMarshal.GetReference(packets);
        long bytes = 0;
        for (uint i = 0; i < count; i++)
        {
            Packet packet = Unsafe.Add(ref source, i);
            // The kernel skips a descriptor outside the UMEM or across a frame end without completing it,
            // which would leak the frame; refuse it here instead (one compare each, no branch taken).
            if (packet.Frame >= _frameCount || (uint)packet.Offset + packet.Length > _frameSize)
            {
                _tx.Cancel(count);
                ThrowForeignPacket(packets, (int)i);
            }
            ref Xdp.Descriptor descriptor = ref _tx.Descriptor(index + i);
            descriptor.Address = ((ulong)packet.Frame << _frameShift) | packet.Offset;
            descriptor.Length = packet.Length;
            descriptor.Options = 0;
            bytes += packet.Length;
        }
        _tx.Submit();
        _txOutstanding += count;
        _txPackets += count;
        _txBytes += bytes;
        return (int)count;
    }

    /// <summary>
    /// Kicks the kernel with one sendto when TX frames are out and the TX ring asks for a wakeup (in copy
    /// mode it always does: the kernel sends from inside that syscall), then frees completed frames.
    /// </summary>
    public void Flush()
    {
        // No kick while the link is down: without carrier, copy mode's __dev_direct_xmit drops the frame it
        // was handed (one per kick, counted in the interface's tx_dropped), where a frame left in the ring
        // waits for the link and loses nothing.
        if (_txOutstanding != 0 && _tx.NeedsWakeup && _link.State != LinkState.Down) WakeTx();
        ReapCompletions();
        // While the link is not up, look again (at most every 100 ms) so the port sees it come back even
        // when the kernel stops saying ENETDOWN, e.g. on a lost carrier, where the kernel drops instead.
        if (_link.State != LinkState.Up) _link.CheckOrThrowIfGone();
    }

    /// <summary>The link as the port last found it (see <see cref="IPacketPort.Link"/>).</summary>
    public PortLink Link => _link.Current;

    /// <summary>Looks at the link unless it was looked at in the last 100 ms; any thread. Once the port is disposed it answers from its last look (the watch's socket is closed with the port).</summary>
    public PortLink CheckLink() => _link.Check();

    /// <summary>
    /// The port's counters and the socket's XDP_STATISTICS, mapped as follows: RxDropped = rx_dropped +
    /// rx_ring_full (every frame lost on receive; rx_dropped already counts those lost to an empty fill
    /// ring); RxRingFull = rx_ring_full; FillRingEmpty = rx_fill_ring_empty_descs + the times the port
    /// found its pool dry while the fill ring had room; RxInvalid = rx_invalid_descs; TxInvalid =
    /// tx_invalid_descs; TxRingFull = Transmit calls that could not take every packet; TxDropped = frames
    /// the kernel completed without sending (copy mode's sendto EBUSY, e.g. no carrier); TxLinkDown = kicks
    /// refused with ENETDOWN (the frames wait); LinkDowns = outages the port saw. The kernel's
    /// tx_ring_empty_descs (woken with nothing to send) is no loss and appears only in
    /// <see cref="Statistics"/>. Tx counts are of packets queued on the TX ring.
    /// </summary>
    public PortStats Stats
    {
        get
        {
            var kernel = Statistics;
            return new PortStats
            {
                RxPackets = _rxPackets,
                RxBytes = _rxBytes,
                TxPackets = _txPackets,
                TxBytes = _txBytes,
                RxDropped = kernel.RxDropped + kernel.RxRingFull,
                RxInvalid = kernel.RxInvalidDescriptors,
                RxRingFull = kernel.RxRingFull,
                FillRingEmpty = kernel.RxFillRingEmpty + _poolDry,
                TxRingFull = _txRingFull,
                TxInvalid = kernel.TxInvalidDescriptors,
                TxDropped = Interlocked.Read(ref _txDropped),
                LinkDowns = _link.Current.Downs,
                TxLinkDown = Interlocked.Read(ref _txLinkDown),
            };
        }
    }

    /// <summary>The socket's own counters (zero once the port is disposed) and the port's wakeup syscalls.</summary>
    public AfXdpStatistics Statistics
    {
        get
        {
            var kernel = Volatile.Read(ref _disposed) == 0 ? _socket.ReadStatistics() : default;
            return new AfXdpStatistics
            {
                RxDropped = (long)kernel.RxDropped,
                RxInvalidDescriptors = (long)kernel.RxInvalidDescriptors,
                TxInvalidDescriptors = (long)kernel.TxInvalidDescriptors,
                RxRingFull = (long)kernel.RxRingFull,
                RxFillRingEmpty = (long)kernel.RxFillRingEmptyDescriptors,
                TxRingEmpty = (long)kernel.TxRingEmptyDescriptors,
                TxWakeups = _txWakeups,
                TxWakeupsDeferred = _txWakeupsDeferred,
                RxWakeups = _rxWakeups,
            };
        }
    }

    /// <summary>TX frames queued or in flight, not yet completed by the kernel.</summary>
    public int TxOutstanding => (int)_txOutstanding;

    /// <summary>Frames given to the kernel for receiving and not yet received back.</summary>
    internal int FillHeld => (int)_fillHeld;

    internal XdpAttachment Attachment => _attachment;

    /// <summary>Unbinds and closes the socket, frees the UMEM, and detaches the program if this was the interface's last port. Idempotent.</summary>
    public void Dispose()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            // Out of the map first, so the kernel stops adding to the RX ring while we look at it.
            _attachment.Map.Remove(Info.Queue);
            ReturnFramesHeldByTheKernel();
        }
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Frees to the pool the frames the rings still hold (fill ring entries the kernel has not taken, received
    /// frames not yet read, TX descriptors not yet sent, completions not yet reaped), so that once the port is
    /// closed the pool's in-use count is what the application kept. The owner thread calls it from Dispose; a
    /// frame the kernel has taken from the TX ring and not yet completed is not in any ring and is not counted.
    /// </summary>
    private void ReturnFramesHeldByTheKernel()
    {
        (uint first, uint end) = _fill.Unconsumed;
        for (uint i = first; i != end; i++) FreeIfHeld(_fill.Address(i));
        (first, end) = _rx.Unconsumed;
        for (uint i = first; i != end; i++) FreeIfHeld(_rx.Descriptor(i).Address);
        (first, end) = _tx.Unconsumed;
        for (uint i = first; i != end; i++) FreeIfHeld(_tx.Descriptor(i).Address);
        (first, end) = _completion.Unconsumed;
        for (uint i = first; i != end; i++) FreeIfHeld(_completion.Address(i));
    }

    private void FreeIfHeld(ulong address)
    {
        uint frame = (uint)(address >> _frameShift);
        if (_pool.Owns(frame) && !_pool.IsFree(frame)) _pool.FreeFrame(frame);
    }

    /// <summary>The whole clean-up, safe from the finalizer: every object it touches is still reachable from here or a static.</summary>
    private void Release()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Out of the map first, so the queue's frames go back to the kernel stack (XDP_PASS) at once; the
        // socket's release would remove it too. Then the socket (rings unmapped, fd closed), and only then
        // the UMEM it was registered on.
        _attachment.Map.Remove(Info.Queue);
        _socket.Dispose();
        _region.Dispose();
        _attachment.Release();
        _link.Dispose();
    }

    /// <summary>Gives free pool frames to the kernel until it holds a ring's worth.</summary>
    private void Refill()
    {
        uint room = _ringSize - _fillHeld;
        int available = _pool.Available;
        if (available == 0)
        {
            _poolDry++;
            return;
        }
        uint count = _fill.Reserve(Math.Min(room, (uint)available), out uint index);
        if (count == 0) return;
        Span<Packet> chunk = stackalloc Packet[RefillChunk];
        for (uint done = 0; done < count;)
        {
            int taken = _pool.AllocateBurst(chunk[..(int)Math.Min(count - done, RefillChunk)]);
            ref Packet frames = ref MemoryMarshal.GetReference(chunk);
            for (int i = 0; i < taken; i++)
                _fill.Address(index + done + (uint)i) = (ulong)Unsafe.Add(ref frames, i).Frame << _frameShift;
            done += (uint)taken;
        }
        _fill.Submit();
        _fillHeld += count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ReapCompletions()
    {
        uint count = _completion.Peek(_ringSize, out uint index);
        if (count != 0) FreeCompleted(index, count);
    }

    private void FreeCompleted(uint index, uint count)
    {
        for (uint i = 0; i < count; i++) _pool.FreeFrame((uint)(_completion.Address(index + i) >> _frameShift));
        _completion.Release();
        _txOutstanding -= count;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WakeTx()
    {
        _txWakeups++;
        if (Interop.Socket.SendTo(_fd, null, 0, Interop.Socket.MSG_DONTWAIT, null, 0) >= 0) return;
        int errno = Marshal.GetLastPInvokeError();
        // The kernel could not send everything now (another sender on the queue, no skb, link down): the
        // descriptors stay on the ring for the next kick. On ENETDOWN (__xsk_sendmsg: the device is not
        // IFF_UP) the socket stays bound and the XDP program attached; the next kick after the link is up
        // sends them, so nothing is lost, only late.
        if (errno is Errors.EAGAIN or Errors.EBUSY or Errors.ENOBUFS or Errors.ENETDOWN)
        {
            _txWakeupsDeferred++;
            // Copy mode's EBUSY is xsk_generic_xmit's NET_XMIT_DROP ("SKB completed but not sent"): the
            // device refused the frame (no carrier, a full queue), the kernel completed it, and it is lost.
            if (errno == Errors.EBUSY && !IsZeroCopy)
            {
                Interlocked.Increment(ref _txDropped);
                // Look now, not in 100 ms: while the link shows down, Flush stops kicking and loses no more.
                _ = _link.CheckNow();
            }
            if (errno == Errors.ENETDOWN)
            {
                Interlocked.Increment(ref _txLinkDown);
                _ = _link.Check();
            }
            return;
        }
        // ENXIO: the netdev notifier unbound the socket (NETDEV_UNREGISTER): the interface is gone.
        if (LinkWatch.MeansGone(errno)) _link.MarkGoneAndThrow($"sendto(AF_XDP): {Errors.Name(errno)}");
        Errors.Throw("sendto(AF_XDP)", errno);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WakeRx()
    {
        _rxWakeups++;
        _ = Interop.Socket.ReceiveFrom(_fd, null, 0, Interop.Socket.MSG_DONTWAIT, null, null);
    }

    private static void Bind(XskSocket socket, NetworkDevice device, AfXdpOptions options)
    {
        ushort mode = options.Bind switch
        {
            XdpBindMode.ZeroCopy => Xdp.XDP_ZEROCOPY,
            XdpBindMode.Copy => Xdp.XDP_COPY,
            // Zero-copy needs the program in the driver; with a generic program, ask for copy outright.
            _ => options.Attach == XdpAttachMode.Generic ? Xdp.XDP_COPY : (ushort)0,
        };
        int errno = socket.Bind(device.Index, options.Queue, (ushort)(mode | Xdp.XDP_USE_NEED_WAKEUP));
        // A socket closed a moment ago still holds its queue: the kernel frees the buffer pool, and with
        // it the queue, from a workqueue after the socket's last reference goes (xp_put_pool). A port
        // reopened at once (a restart, the next test) would see EBUSY; give the release a moment.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (errno == Errors.EBUSY && clock.Elapsed < BusyQueueGrace)
        {
            Thread.Sleep(10);
            errno = socket.Bind(device.Index, options.Queue, (ushort)(mode | Xdp.XDP_USE_NEED_WAKEUP));
        }
        if (errno == 0) return;
        var error = new SyscallException($"bind(AF_XDP, {device.Name} queue {options.Queue})", errno);
        throw errno switch
        {
            Errors.EBUSY => new IOException($"queue {options.Queue} of '{device.Name}' already has an AF_XDP socket ({error.Message})", error),
            Errors.EOPNOTSUPP when options.Bind == XdpBindMode.ZeroCopy =>
                new IOException($"'{device.Name}' cannot do zero-copy AF_XDP; use copy mode ({error.Message})", error),
            _ => error,
        };
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowForeignPacket(ReadOnlySpan<Packet> packets, int position) =>
        throw new ArgumentException($"packet {position} ({packets[position]}) is not inside a frame of this port's {_frameCount} frames of {_frameSize} bytes", nameof(packets));
}
