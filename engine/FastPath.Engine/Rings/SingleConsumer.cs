using System.Runtime.CompilerServices;

namespace FastPath.Engine.Rings;

/// <summary>
/// The consumer side that <see cref="SpscRing{T}"/> and <see cref="MpscRing{T}"/> share: one consumer thread,
/// which sees only the producer tail, so it is the same whether one producer or many published the items.
/// </summary>
internal static class SingleConsumer
{
    /// <summary>Published items in the ring, in [0, capacity]. Exact only when no side is moving.</summary>
    internal static int Count(ref ConsumerLine consumer, ref ProducerLine producer)
    {
        // Consumer head first: it never passes the producer tail and both only grow, so a tail read after it
        // is at least as large and the difference cannot go negative. It can exceed the capacity if the
        // consumer and then a producer moved between the two reads (a third thread asking), hence the clamp.
        long head = Volatile.Read(ref consumer.Head);
        long tail = Volatile.Read(ref producer.Tail);
        return (int)Math.Min(tail - head, consumer.Mask + 1);
    }

    /// <summary>Dequeues up to <c>items.Length</c> (all of them or none when <paramref name="bulk"/>), returns how many.</summary>
    internal static int Dequeue<T>(ref ConsumerLine consumer, ref ProducerLine producer, Span<T> items, bool bulk) where T : unmanaged
    {
        long head = consumer.Head; // only this thread writes it
        long available = consumer.CachedTail - head;
        if (available < items.Length)
        {
            // Acquire: pairs with the publishing producer's release of the tail, so the slot writes of every
            // item below it happen before our reads of them.
            consumer.CachedTail = Volatile.Read(ref producer.Tail);
            available = consumer.CachedTail - head;
        }
        int n = (int)Math.Min(available, items.Length);
        if (n == 0 || (bulk && n < items.Length)) return 0;

        RingSlots.Read(Unsafe.As<T[]>(consumer.Slots), consumer.Mask, head, items, n);

        // Release: our reads of the slots are done before any producer that acquires this head reuses them.
        Volatile.Write(ref consumer.Head, head + n);
        return n;
    }
}
