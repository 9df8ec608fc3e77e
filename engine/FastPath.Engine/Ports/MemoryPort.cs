using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using FastPath.Engine.Memory;

namespace FastPath.Engine.Ports;

/// <summary>
/// One end of an in-process Ethernet wire, for tests and in-memory benchmarks. Each end belongs to one
/// thread (the two ends may be on different threads) and has its own pool. A frame transmitted on one end is
/// copied into a frame of the other end's pool when that end receives it, and the sender's frame comes back
/// to the sender through a completion ring, as with AF_XDP: no pool is ever touched by two threads.
/// <para>
/// Like a wire, it drops rather than waits: a full ring refuses the rest of a transmit burst (counted in
/// TxRingFull), an empty pool on the receiving side drops the frame (RxDropped and FillRingEmpty), and a
/// frame longer than MTU + 18 is taken and dropped (TxDropped).
/// </para>
/// </summary>
public sealed class MemoryPort : IPacketPort
{
    /// <summary>Ethernet header (14) and one 802.1Q tag (4): the bytes a frame may carry beyond the MTU.</summary>
    private const int LinkOverhead = 18;
    private const int ScratchSize = 64;

    private readonly MemoryWire _wire;
    private readonly MemoryLink _tx;
    private readonly MemoryLink _rx;
    private readonly FrameRegion _region;
    private readonly FrameRegion _peerRegion;
    private readonly int _maxFrameLength;
    private readonly Packet[] _scratch = new Packet[ScratchSize];
    private PortStats _stats;
    private bool _disposed;

    private MemoryPort(MemoryWire wire, MemoryLink tx, MemoryLink rx, PortInfo info)
    {
        _wire = wire;
        _tx = tx;
        _rx = rx;
        Pool = tx.SenderPool;
        Info = info;
        _region = Pool.Region;
        _peerRegion = rx.SenderPool.Region;
        _maxFrameLength = info.Mtu + LinkOverhead;
    }

    /// <summary>
    /// A wire between two new ports, each with its own region and pool of <see cref="MemoryPortOptions.FrameCount"/>
    /// frames; the regions are unmapped when both ports are disposed.
    /// </summary>
    public static (MemoryPort A, MemoryPort B) CreatePair(MemoryPortOptions? options = null)
    {
        options ??= new MemoryPortOptions();
        FrameRegion regionA = FrameRegion.Create(options.FrameCount, options.FrameSize);
        FrameRegion? regionB = null;
        try
        {
            regionB = FrameRegion.Create(options.FrameCount, options.FrameSize);
            return Connect(new FramePool(regionA), new FramePool(regionB), options, regionA, regionB);
        }
        catch
        {
            regionA.Dispose();
            regionB?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A wire between two new ports over pools the caller owns (and disposes the regions of, after the ports).
    /// Each pool must be used only by its port's thread while the port is open.
    /// </summary>
    public static (MemoryPort A, MemoryPort B) CreatePair(FramePool poolA, FramePool poolB, MemoryPortOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(poolA);
        ArgumentNullException.ThrowIfNull(poolB);
        if (ReferenceEquals(poolA, poolB))
            throw new ArgumentException("each end needs its own pool: a pool has one owner thread", nameof(poolB));
        return Connect(poolA, poolB, options ?? new MemoryPortOptions(), null, null);
    }

    private static (MemoryPort A, MemoryPort B) Connect(FramePool poolA, FramePool poolB, MemoryPortOptions options, FrameRegion? ownedA, FrameRegion? ownedB)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Mtu, 68); // RFC 791: every IPv4 link carries 68 bytes
        var wire = new MemoryWire(poolA, poolB, options.RingSize, ownedA, ownedB);
        var a = new MemoryPort(wire, wire.AToB, wire.BToA, new PortInfo(options.NameA, options.MacA, options.Mtu, 0, "memory", "in-process copy"));
        var b = new MemoryPort(wire, wire.BToA, wire.AToB, new PortInfo(options.NameB, options.MacB, options.Mtu, 0, "memory", "in-process copy"));
        return (a, b);
    }

    public PortInfo Info { get; }
    public FramePool Pool { get; }

    /// <summary>Counters, written by the owner thread only (a read from another thread may be a moment old).</summary>
    public PortStats Stats => _stats;

    public int Receive(Span<Packet> packets)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ReclaimCompleted();
        int received = 0;
        while (received < packets.Length)
        {
            Span<Packet> arrived = _scratch.AsSpan(0, Math.Min(_scratch.Length, packets.Length - received));
            int count = _rx.Frames.DequeueBurst(arrived);
            if (count == 0) break;
            arrived = arrived[..count];
            foreach (ref readonly Packet sent in arrived)
            {
                if (TryCopyIn(sent, out Packet copy)) packets[received++] = copy;
            }
            bool returned = _rx.Completions.EnqueueBulk(arrived);
            Debug.Assert(returned, "the completion ring holds the sender's whole pool");
        }
        return received;
    }

    public int Transmit(ReadOnlySpan<Packet> packets)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ReclaimCompleted();
        int accepted = 0;
        while (accepted < packets.Length)
        {
            // The run of frames the wire can carry; a frame over the MTU ends it.
            int end = accepted;
            while (end < packets.Length && FitsWire(packets[end])) end++;

            ReadOnlySpan<Packet> run = packets[accepted..end];
            int sent = _tx.Frames.EnqueueBurst(run);
            foreach (ref readonly Packet packet in run[..sent]) _stats.TxBytes += packet.Length;
            _stats.TxPackets += sent;
            accepted += sent;
            if (sent < run.Length)
            {
                _stats.TxRingFull++;
                break;
            }
            if (end < packets.Length)
            {
                // Taken and dropped, as a NIC drops a frame longer than it can put on the wire.
                Pool.Free(packets[end]);
                _stats.TxDropped++;
                accepted++;
            }
        }
        return accepted;
    }

    /// <summary>Takes back the frames the peer has finished copying (nothing needs a wakeup here).</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ReclaimCompleted();
    }

    /// <summary>
    /// Takes back this side's completed frames, hands the peer's undelivered frames back to it, and, once
    /// both ends are disposed, returns whatever is still on the wire to its pool and unmaps the regions the
    /// pair made. Call it on the port's thread, after the caller has freed or stopped reading received frames.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        ReclaimCompleted();
        int count;
        while ((count = _rx.Frames.DequeueBurst(_scratch)) > 0)
        {
            bool returned = _rx.Completions.EnqueueBulk(_scratch.AsSpan(0, count));
            Debug.Assert(returned, "the completion ring holds the sender's whole pool");
        }
        _wire.Close(_scratch);
    }

    private void ReclaimCompleted()
    {
        int count;
        while ((count = _tx.Completions.DequeueBurst(_scratch)) > 0) Pool.Free(_scratch.AsSpan(0, count));
    }

    private bool FitsWire(in Packet packet)
    {
        // A handle carries a frame index, not its region: a frame of another pool is caught only when its
        // index lies outside this pool's range (pools over disjoint ranges of one region, as AF_XDP shares a UMEM).
        if (!Pool.Owns(packet.Frame) || packet.Offset + packet.Length > _region.FrameSize) ThrowNotOurs(packet);
        return packet.Length <= _maxFrameLength;
    }

    private bool TryCopyIn(in Packet sent, out Packet copy)
    {
        if (!Pool.TryAllocate(out copy))
        {
            // No buffer to receive into: the frame is lost, as when an AF_XDP fill ring runs dry.
            _stats.FillRingEmpty++;
            _stats.RxDropped++;
            return false;
        }
        Span<byte> source = _peerRegion.GetSpan(sent);
        Span<byte> room = _region.GetWritableSpan(copy);
        if (source.Length > room.Length)
        {
            Pool.Free(copy);
            _stats.RxInvalid++;
            return false;
        }
        source.CopyTo(room);
        copy.Length = sent.Length;
        _stats.RxPackets++;
        _stats.RxBytes += sent.Length;
        return true;
    }

    [DoesNotReturn]
    private void ThrowNotOurs(in Packet packet) =>
        throw new ArgumentException($"{Info.Name}: {packet} is not a frame of this port's pool: transmit frames allocated from Pool", nameof(packet));
}
