using System.Runtime.CompilerServices;

namespace FastPath.Engine.Memory;

/// <summary>
/// The free frames of one worker: a LIFO stack of frame indices (the most recently freed frame is the one
/// most likely still in cache), over a contiguous range of a <see cref="FrameRegion"/>. Not thread-safe by
/// design: one owner, no locks. Frames reach another core only through a ring, and come back the same way.
/// </summary>
public sealed class FramePool
{
    /// <summary>Bytes kept free in front of a fresh packet for prepending headers (DPDK's RTE_PKTMBUF_HEADROOM).</summary>
    public const int DefaultHeadroom = 128;

    private readonly uint[] _free;
    // One bit per frame of the pool, set while the frame is in the pool. A LIFO free list cannot see a
    // double free on its own (the frame would simply be handed out twice later, to two owners); the bit
    // costs one L1 load and store per frame and turns that into an exception at the second Free.
    private readonly ulong[] _inPool;
    private int _count;

    /// <summary>A pool over every frame of <paramref name="region"/>.</summary>
    public FramePool(FrameRegion region, int headroom = DefaultHeadroom)
        : this(region, 0, region.FrameCount, headroom)
    {
    }

    /// <summary>A pool over frames [<paramref name="firstFrame"/>, <paramref name="firstFrame"/> + <paramref name="frameCount"/>) of <paramref name="region"/>.</summary>
    public FramePool(FrameRegion region, int firstFrame, int frameCount, int headroom = DefaultHeadroom)
    {
        ArgumentNullException.ThrowIfNull(region);
        // Compared as a difference so that a huge firstFrame cannot overflow past the check.
        if (firstFrame < 0 || frameCount <= 0 || frameCount > region.FrameCount - firstFrame)
            throw new ArgumentOutOfRangeException(nameof(frameCount), $"frames [{firstFrame}, {(long)firstFrame + frameCount}) are not inside the region of {region.FrameCount}");
        if (headroom < 0 || headroom >= region.FrameSize)
            throw new ArgumentOutOfRangeException(nameof(headroom), headroom, "headroom must leave room in the frame");
        Region = region;
        FirstFrame = firstFrame;
        Capacity = frameCount;
        Headroom = headroom;
        _free = new uint[frameCount];
        // Lowest index on top, so a fresh pool hands out frames in address order.
        for (int i = 0; i < frameCount; i++) _free[i] = (uint)(firstFrame + frameCount - 1 - i);
        _count = frameCount;
        _inPool = new ulong[(frameCount + 63) / 64];
        for (int i = 0; i < frameCount; i++) _inPool[i >> 6] |= 1UL << i;
    }

    public FrameRegion Region { get; }
    public int FirstFrame { get; }
    public int Capacity { get; }
    public int Headroom { get; }
    /// <summary>Frames in the pool now.</summary>
    public int Available => _count;
    /// <summary>Frames handed out and not yet returned. Zero at shutdown, or a frame leaked.</summary>
    public int InUse => Capacity - _count;

    /// <summary>True when <paramref name="frame"/> is one of this pool's frames.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Owns(uint frame) => frame - (uint)FirstFrame < (uint)Capacity;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAllocate(out Packet packet)
    {
        if (_count == 0)
        {
            packet = default;
            return false;
        }
        uint frame = _free[--_count];
        TakeOut(frame);
        packet = new Packet(frame, (ushort)Headroom, 0);
        return true;
    }

    /// <summary>Burst: fills as many packets as there are frames, returns how many.</summary>
    public int AllocateBurst(Span<Packet> packets)
    {
        int n = Math.Min(packets.Length, _count);
        var free = _free.AsSpan(_count - n, n);
        ushort headroom = (ushort)Headroom;
        for (int i = 0; i < n; i++)
        {
            uint frame = free[n - 1 - i];
            TakeOut(frame);
            packets[i] = new Packet(frame, headroom, 0);
        }
        _count -= n;
        return n;
    }

    /// <summary>Bulk: fills every packet, or none and returns false.</summary>
    public bool TryAllocateBulk(Span<Packet> packets)
    {
        if (packets.Length > _count) return false;
        AllocateBurst(packets);
        return true;
    }

    /// <summary>Returns the packet's frame. Throws (and changes nothing) for a foreign frame or a frame already in the pool.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(in Packet packet) => FreeFrame(packet.Frame);

    /// <summary>Returns every packet's frame. Throws (and changes nothing) if any frame is foreign or already in the pool.</summary>
    public void Free(ReadOnlySpan<Packet> packets)
    {
        if (packets.Length > Capacity - _count) ThrowOverfull(packets.Length);
        var free = _free.AsSpan(_count, packets.Length);
        for (int i = 0; i < packets.Length; i++)
        {
            uint frame = packets[i].Frame;
            if (!Owns(frame) || IsInPool(frame))
            {
                // Undo the frames of this call already marked, so that a caught exception leaves the pool
                // as it was (a frame repeated inside the span is caught here too: its bit is set by then).
                for (int j = 0; j < i; j++) TakeOut(free[j]);
                ThrowBadFree(frame);
            }
            PutBack(frame);
            free[i] = frame;
        }
        _count += packets.Length;
    }

    /// <summary>Returns a frame known only by its index (an AF_XDP completion gives back an address, not a handle).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FreeFrame(uint frame)
    {
        if (!Owns(frame) || IsInPool(frame)) ThrowBadFree(frame);
        PutBack(frame);
        _free[_count++] = frame;
    }

    /// <summary>Whether <paramref name="frame"/> (one of this pool's) is free now; for a port returning what the kernel held.</summary>
    internal bool IsFree(uint frame) => Owns(frame) && IsInPool(frame);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsInPool(uint frame)
    {
        uint bit = frame - (uint)FirstFrame;
        return (_inPool[bit >> 6] & (1UL << (int)bit)) != 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PutBack(uint frame)
    {
        uint bit = frame - (uint)FirstFrame;
        _inPool[bit >> 6] |= 1UL << (int)bit;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void TakeOut(uint frame)
    {
        uint bit = frame - (uint)FirstFrame;
        _inPool[bit >> 6] &= ~(1UL << (int)bit);
    }

    private void ThrowBadFree(uint frame) =>
        throw new InvalidOperationException(Owns(frame)
            ? $"frame {frame} freed twice: it is already in the pool"
            : $"frame {frame} does not belong to this pool [{FirstFrame}, {(long)FirstFrame + Capacity})");

    private void ThrowOverfull(int count) =>
        throw new InvalidOperationException($"freeing {count} frames into a pool with room for {Capacity - _count}: a frame was freed twice");
}
