using System.Runtime.CompilerServices;
using FastPath.Drivers.Linux.Interop;

namespace FastPath.Drivers.Linux.AfXdp;

/// <summary>
/// The user-space side of a ring the kernel produces into and we consume from (RX, completion), as
/// libxdp's xsk_ring_cons__peek/release: the kernel's producer index is re-read only when the cached view
/// has nothing left.
/// </summary>
internal unsafe struct XskConsumerRing
{
    private readonly uint* _producer;
    private readonly uint* _consumer;
    private readonly uint* _flags;
    private readonly byte* _entries;
    private readonly uint _mask;
    private readonly uint _size;
    private uint _cachedProducer;
    private uint _cachedConsumer;

    internal XskConsumerRing(byte* mapping, in Xdp.RingOffset offsets, uint size)
    {
        _producer = (uint*)(mapping + offsets.Producer);
        _consumer = (uint*)(mapping + offsets.Consumer);
        _flags = (uint*)(mapping + offsets.Flags);
        _entries = mapping + offsets.Descriptors;
        _size = size;
        _mask = size - 1;
        _cachedProducer = *_producer;
        _cachedConsumer = *_consumer;
    }

    public readonly uint Size => _size;

    /// <summary>Takes up to <paramref name="wanted"/> entries starting at <paramref name="index"/>; returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Peek(uint wanted, out uint index)
    {
        uint available = _cachedProducer - _cachedConsumer;
        if (available == 0)
        {
            // Acquire: the kernel writes the entries, then releases its producer index; reading the
            // index with acquire makes those entry writes visible to the reads that follow.
            _cachedProducer = Volatile.Read(ref *_producer);
            available = _cachedProducer - _cachedConsumer;
        }
        uint count = available < wanted ? available : wanted;
        index = _cachedConsumer;
        _cachedConsumer += count;
        return count;
    }

    /// <summary>The 8-byte entry (a UMEM address) at <paramref name="index"/>: completion ring.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong Address(uint index) => *(ulong*)(_entries + ((nuint)(index & _mask) << 3));

    /// <summary>The 16-byte descriptor at <paramref name="index"/>: RX ring.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ref readonly Xdp.Descriptor Descriptor(uint index) => ref Unsafe.AsRef<Xdp.Descriptor>(_entries + ((nuint)(index & _mask) << 4));

    /// <summary>Gives every peeked entry back to the kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Release() =>
        // Release: our reads of the entries complete before the kernel can see the slots as free and
        // overwrite them.
        Volatile.Write(ref *_consumer, _cachedConsumer);

    /// <summary>Entries from our consumer index to the kernel's producer index: produced and not yet taken (shutdown).</summary>
    public readonly (uint First, uint End) Unconsumed => (_cachedConsumer, Volatile.Read(ref *_producer));

    public readonly bool NeedsWakeup
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (Volatile.Read(ref *_flags) & Xdp.XDP_RING_NEED_WAKEUP) != 0;
    }
}
