using System.Runtime.CompilerServices;

namespace FastPath.Engine.Rings;

/// <summary>
/// Bounded single-producer single-consumer ring (a Lamport queue with cached indices, as in DPDK's rte_ring
/// SP/SC mode and the kernel's xsk rings). One thread enqueues, one thread dequeues; no locks, no CAS.
/// Burst operations move as many items as fit; bulk operations move all or none.
/// </summary>
public sealed class SpscRing<T> where T : unmanaged
{
    // The only fields: each side's line carries its own copy of the slot array and mask (see RingLines.cs).
    private ProducerLine _producer;
    private ConsumerLine _consumer;

    public SpscRing(int capacity)
    {
        T[] slots = RingSlots.Allocate<T>(capacity);
        _producer.Slots = slots;
        _producer.Mask = capacity - 1;
        _consumer.Slots = slots;
        _consumer.Mask = capacity - 1;
    }

    public int Capacity => _consumer.Mask + 1;

    /// <summary>Items in the ring, in [0, <see cref="Capacity"/>]. Exact only when neither side is moving.</summary>
    public int Count => SingleConsumer.Count(ref _consumer, ref _producer);

    public bool IsEmpty => Count == 0;

    /// <summary>Producer side: enqueues as many of <paramref name="items"/> as fit, returns how many.</summary>
    public int EnqueueBurst(ReadOnlySpan<T> items) => Enqueue(items, bulk: false);

    /// <summary>Producer side: enqueues all of <paramref name="items"/> or none.</summary>
    public bool EnqueueBulk(ReadOnlySpan<T> items) => Enqueue(items, bulk: true) == items.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnqueue(T item) => Enqueue(new ReadOnlySpan<T>(in item), bulk: true) == 1;

    /// <summary>Consumer side: dequeues up to <c>items.Length</c>, returns how many.</summary>
    public int DequeueBurst(Span<T> items) => Dequeue(items, bulk: false);

    /// <summary>Consumer side: dequeues exactly <c>items.Length</c> or nothing.</summary>
    public bool DequeueBulk(Span<T> items) => Dequeue(items, bulk: true) == items.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryDequeue(out T item)
    {
        Unsafe.SkipInit(out item);
        return Dequeue(new Span<T>(ref item), bulk: true) == 1;
    }

    private int Enqueue(ReadOnlySpan<T> items, bool bulk)
    {
        long tail = _producer.Tail; // only this thread writes Tail
        int mask = _producer.Mask;
        int capacity = mask + 1;
        long free = capacity - (tail - _producer.CachedHead);
        if (free < items.Length)
        {
            // Acquire: the consumer's reads of the slots it released happen before we overwrite them.
            _producer.CachedHead = Volatile.Read(ref _consumer.Head);
            free = capacity - (tail - _producer.CachedHead);
        }
        int n = (int)Math.Min(free, items.Length);
        if (n == 0 || (bulk && n < items.Length)) return 0;

        RingSlots.Write(Unsafe.As<T[]>(_producer.Slots), mask, tail, items, n);

        // Release: the slot writes above are visible before the consumer sees the new tail.
        Volatile.Write(ref _producer.Tail, tail + n);
        return n;
    }

    private int Dequeue(Span<T> items, bool bulk) => SingleConsumer.Dequeue(ref _consumer, ref _producer, items, bulk);
}
