using System.Runtime.CompilerServices;
using FastPath.Drivers.Linux.Interop;

namespace FastPath.Drivers.Linux.AfXdp;

/// <summary>
/// The user-space side of a ring we produce into and the kernel consumes from (fill, TX), driven the way
/// libxdp's xsk_ring_prod__reserve/submit do: we own the producer word, the kernel owns the consumer word,
/// and each side keeps a private copy of the other's index so that the shared line is read only when the
/// cached view says the ring is full.
/// </summary>
internal unsafe struct XskProducerRing
{
    private readonly uint* _producer;
    private readonly uint* _consumer;
    private readonly uint* _flags;
    private readonly byte* _entries;
    private readonly uint _mask;
    private readonly uint _size;
    private uint _cachedProducer;
    // The kernel's consumer index plus the ring size, so that free space is one subtraction
    // (cachedConsumer - cachedProducer) on the fast path, as in libxdp.
    private uint _cachedConsumer;

    internal XskProducerRing(byte* mapping, in Xdp.RingOffset offsets, uint size)
    {
        _producer = (uint*)(mapping + offsets.Producer);
        _consumer = (uint*)(mapping + offsets.Consumer);
        _flags = (uint*)(mapping + offsets.Flags);
        _entries = mapping + offsets.Descriptors;
        _size = size;
        _mask = size - 1;
        _cachedProducer = *_producer;
        _cachedConsumer = *_consumer + size;
    }

    public readonly uint Size => _size;

    /// <summary>
    /// Claims up to <paramref name="wanted"/> slots starting at <paramref name="index"/>; returns how many.
    /// The slots are ours to write until <see cref="Submit"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Reserve(uint wanted, out uint index)
    {
        uint free = _cachedConsumer - _cachedProducer;
        if (free < wanted)
        {
            // Acquire: the kernel's release of its consumer index orders its reads of the slots before
            // it; seeing the index means those slots are no longer read and we may overwrite them.
            _cachedConsumer = Volatile.Read(ref *_consumer) + _size;
            free = _cachedConsumer - _cachedProducer;
        }
        uint count = free < wanted ? free : wanted;
        index = _cachedProducer;
        _cachedProducer += count;
        return count;
    }

    /// <summary>The 8-byte entry (a UMEM address) at <paramref name="index"/>: fill ring.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ref ulong Address(uint index) => ref Unsafe.AsRef<ulong>(_entries + ((nuint)(index & _mask) << 3));

    /// <summary>The 16-byte descriptor at <paramref name="index"/>: TX ring.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ref Xdp.Descriptor Descriptor(uint index) => ref Unsafe.AsRef<Xdp.Descriptor>(_entries + ((nuint)(index & _mask) << 4));

    /// <summary>Gives back the last <paramref name="count"/> reserved slots, unwritten and unsubmitted.</summary>
    public void Cancel(uint count) => _cachedProducer -= count;

    /// <summary>Publishes every reserved slot to the kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Submit() =>
        // Release: the slot writes above become visible to the kernel before the index that covers them
        // (the kernel reads the producer word with acquire, smp_load_acquire in xskq_cons_peek).
        Volatile.Write(ref *_producer, _cachedProducer);

    /// <summary>The kernel has set XDP_RING_NEED_WAKEUP: it sleeps until a syscall kicks it.</summary>
    public readonly bool NeedsWakeup
    {
        // A volatile read so that the JIT re-reads the kernel's word on every call in a loop.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (Volatile.Read(ref *_flags) & Xdp.XDP_RING_NEED_WAKEUP) != 0;
    }

    /// <summary>Slots from the kernel's consumer index to our producer index: submitted and not yet taken (shutdown).</summary>
    public readonly (uint First, uint End) Unconsumed => (Volatile.Read(ref *_consumer), _cachedProducer);

    /// <summary>Slots submitted and not yet consumed by the kernel, from the shared words (for tests and shutdown).</summary>
    public readonly uint Pending => Volatile.Read(ref *_producer) - Volatile.Read(ref *_consumer);
}
