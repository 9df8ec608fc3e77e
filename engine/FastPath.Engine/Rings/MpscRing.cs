using System.Runtime.CompilerServices;

namespace FastPath.Engine.Rings;

/// <summary>
/// Bounded multi-producer single-consumer ring, DPDK rte_ring's MP/SC mode: a producer reserves slots by
/// moving the shared producer head with a CAS, copies its items in, then waits until every earlier
/// reservation has been published and publishes its own by moving the producer tail. The consumer sees
/// only the tail, so it never reads a slot that is reserved but not yet written. No locks.
/// Burst operations move as many items as fit; bulk operations move all or none.
/// </summary>
/// <remarks>
/// As in DPDK, a producer preempted between its CAS and its publish holds back the producers behind it
/// (they spin, then yield) and the consumer (it sees fewer items). Keep producers on their own cores, or
/// accept that stall when there are more threads than cores.
/// </remarks>
public sealed class MpscRing<T> where T : unmanaged
{
    // The only fields: each side's line carries its own copy of the slot array and mask (see RingLines.cs).
    private ProducerLine _producer;
    private ConsumerLine _consumer;

    public MpscRing(int capacity)
    {
        T[] slots = RingSlots.Allocate<T>(capacity);
        _producer.Slots = slots;
        _producer.Mask = capacity - 1;
        _consumer.Slots = slots;
        _consumer.Mask = capacity - 1;
    }

    public int Capacity => _consumer.Mask + 1;

    /// <summary>Published items in the ring, in [0, <see cref="Capacity"/>]. Exact only when no side is moving.</summary>
    public int Count => SingleConsumer.Count(ref _consumer, ref _producer);

    public bool IsEmpty => Count == 0;

    /// <summary>Any producer thread: enqueues as many of <paramref name="items"/> as fit, returns how many.</summary>
    public int EnqueueBurst(ReadOnlySpan<T> items) => Enqueue(items, bulk: false);

    /// <summary>Any producer thread: enqueues all of <paramref name="items"/> or none.</summary>
    public bool EnqueueBulk(ReadOnlySpan<T> items) => Enqueue(items, bulk: true) == items.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnqueue(T item) => Enqueue(new ReadOnlySpan<T>(in item), bulk: true) == 1;

    /// <summary>The consumer thread only: dequeues up to <c>items.Length</c>, returns how many.</summary>
    public int DequeueBurst(Span<T> items) => Dequeue(items, bulk: false);

    /// <summary>The consumer thread only: dequeues exactly <c>items.Length</c> or nothing.</summary>
    public bool DequeueBulk(Span<T> items) => Dequeue(items, bulk: true) == items.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryDequeue(out T item)
    {
        Unsafe.SkipInit(out item);
        return Dequeue(new Span<T>(ref item), bulk: true) == 1;
    }

    private int Enqueue(ReadOnlySpan<T> items, bool bulk)
    {
        int mask = _producer.Mask;
        int capacity = mask + 1;
        long head;
        int n;
        while (true)
        {
            // Acquire: keeps the cached-head read (and the consumer-head read below) after this one. Not
            // needed for safety here, since any consumer head we use is a lower bound and the CAS rechecks
            // the producer head, but it keeps the free count as fresh as the head it is measured against.
            head = Volatile.Read(ref _producer.Head);
            // The cached consumer head is a value the consumer head once had, published by whichever producer
            // read it last. Producers may overwrite a newer value with an older one, so it can lag; a lag only
            // under-counts the free slots (safe), and may even make the count negative, hence the clamp.
            long free = capacity - (head - Volatile.Read(ref _producer.CachedHead));
            if (free < items.Length)
            {
                // Acquire: pairs with the consumer's release of its head, so its reads of the slots it
                // freed happen before our writes to them. Every producer refreshes the cache this way only
                // when the ring looks full, so the consumer's line is rarely pulled across.
                long consumerHead = Volatile.Read(ref _consumer.Head);
                // Release: a producer that later acquires this value inherits the ordering above
                // (consumer's slot reads happen before its writes) through us.
                Volatile.Write(ref _producer.CachedHead, consumerHead);
                free = capacity - (head - consumerHead);
            }
            n = (int)Math.Clamp(free, 0, items.Length);
            if (n == 0 || (bulk && n < items.Length)) return 0;
            // Full fence: the reservation [head, head + n) is ours alone once the CAS succeeds; on failure
            // another producer took slots first, so recompute the free space from its new head.
            if (Interlocked.CompareExchange(ref _producer.Head, head + n, head) == head) break;
        }

        RingSlots.Write(Unsafe.As<T[]>(_producer.Slots), mask, head, items, n);

        // Publish in reservation order: the tail may only move past our slots once every earlier producer
        // has published theirs, or the consumer would read their unwritten slots. Acquire on each read
        // pairs with the previous producer's release, so its slot writes happen before our publish, and our
        // release below carries them (transitively) to the consumer.
        if (Volatile.Read(ref _producer.Tail) != head) WaitForTurn(head);
        // Release: our slot writes are visible before the consumer can observe the new tail.
        Volatile.Write(ref _producer.Tail, head + n);
        return n;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitForTurn(long head)
    {
        // SpinWait yields and then sleeps after a while: an earlier producer may be preempted mid-copy, and on
        // a machine with more threads than cores pure spinning would starve it of the core it needs.
        var spin = default(SpinWait);
        while (Volatile.Read(ref _producer.Tail) != head) spin.SpinOnce();
    }

    private int Dequeue(Span<T> items, bool bulk) => SingleConsumer.Dequeue(ref _consumer, ref _producer, items, bulk);
}
