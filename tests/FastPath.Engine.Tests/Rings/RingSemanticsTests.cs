namespace FastPath.Engine.Tests.Rings;

/// <summary>
/// Single-thread behaviour every ring must have: burst takes what fits, bulk takes all or nothing, FIFO
/// order across the wrap of the slot array, exact counts at rest. Derived classes pick the ring.
/// </summary>
public abstract class RingSemanticsTests
{
    protected abstract RingUnderTest Create(int capacity);

    private static long[] Sequence(long first, int count)
    {
        var items = new long[count];
        for (int i = 0; i < count; i++) items[i] = first + i;
        return items;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(1000)]
    [InlineData(-8)]
    [InlineData(int.MinValue)]
    public void Capacity_must_be_a_power_of_two_of_at_least_two(int capacity) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Create(capacity));

    [Theory]
    [InlineData(2)]
    [InlineData(1024)]
    [InlineData(1 << 20)]
    public void Valid_capacities_are_kept(int capacity) => Assert.Equal(capacity, Create(capacity).Capacity);

    [Fact]
    public void New_ring_is_empty()
    {
        var ring = Create(8);
        var sink = new long[4];

        Assert.Equal(8, ring.Capacity);
        Assert.Equal(0, ring.Count);
        Assert.True(ring.IsEmpty);
        Assert.Equal(0, ring.DequeueBurst(sink));
        Assert.False(ring.DequeueBulk(sink));
        Assert.False(ring.TryDequeue(out _));
    }

    [Fact]
    public void Burst_enqueue_takes_what_fits_and_stops_when_full()
    {
        var ring = Create(8);

        Assert.Equal(8, ring.EnqueueBurst(Sequence(0, 11)));
        Assert.Equal(8, ring.Count);
        Assert.Equal(0, ring.EnqueueBurst(Sequence(100, 3)));
        Assert.False(ring.TryEnqueue(100));
        Assert.False(ring.EnqueueBulk(Sequence(100, 1)));

        var sink = new long[16];
        Assert.Equal(8, ring.DequeueBurst(sink));
        Assert.Equal(Sequence(0, 8), sink[..8]);
        Assert.True(ring.IsEmpty);
    }

    [Fact]
    public void Bulk_enqueue_is_all_or_nothing()
    {
        var ring = Create(8);

        Assert.False(ring.EnqueueBulk(Sequence(0, 9)));
        Assert.Equal(0, ring.Count);
        Assert.True(ring.EnqueueBulk(Sequence(0, 5)));
        Assert.False(ring.EnqueueBulk(Sequence(5, 4)));   // 3 free
        Assert.Equal(5, ring.Count);
        Assert.True(ring.EnqueueBulk(Sequence(5, 3)));
        Assert.Equal(8, ring.Count);

        var sink = new long[8];
        Assert.True(ring.DequeueBulk(sink));
        Assert.Equal(Sequence(0, 8), sink);
    }

    [Fact]
    public void Bulk_dequeue_is_all_or_nothing()
    {
        var ring = Create(8);
        ring.EnqueueBurst(Sequence(0, 3));

        var four = new long[4];
        Assert.False(ring.DequeueBulk(four));
        Assert.Equal(new long[4], four);   // nothing written either
        Assert.Equal(3, ring.Count);

        var three = new long[3];
        Assert.True(ring.DequeueBulk(three));
        Assert.Equal(Sequence(0, 3), three);
        Assert.True(ring.IsEmpty);
    }

    [Fact]
    public void Burst_dequeue_takes_what_is_there()
    {
        var ring = Create(8);
        ring.EnqueueBurst(Sequence(0, 5));

        var sink = new long[3];
        Assert.Equal(3, ring.DequeueBurst(sink));
        Assert.Equal(Sequence(0, 3), sink);
        Assert.Equal(2, ring.DequeueBurst(sink));
        Assert.Equal(Sequence(3, 2), sink[..2]);
        Assert.Equal(0, ring.DequeueBurst(sink));
    }

    [Fact]
    public void Empty_spans_move_nothing()
    {
        var ring = Create(4);
        ring.TryEnqueue(7);

        Assert.Equal(0, ring.EnqueueBurst([]));
        Assert.True(ring.EnqueueBulk([]));
        Assert.Equal(0, ring.DequeueBurst([]));
        Assert.True(ring.DequeueBulk([]));
        Assert.Equal(1, ring.Count);
    }

    [Fact]
    public void Single_items_keep_fifo_order()
    {
        var ring = Create(4);
        for (long i = 0; i < 4; i++) Assert.True(ring.TryEnqueue(i));
        Assert.False(ring.TryEnqueue(4));

        for (long i = 0; i < 4; i++)
        {
            Assert.True(ring.TryDequeue(out long item));
            Assert.Equal(i, item);
        }
        Assert.False(ring.TryDequeue(out _));
    }

    [Theory]
    [InlineData(8, 5)]    // short bursts (element loop) that straddle the end of the slot array
    [InlineData(32, 20)]  // long bursts (block copy in two pieces)
    [InlineData(2, 2)]    // the smallest ring, always full then empty
    public void Bursts_wrap_around_the_slot_array_in_order(int capacity, int burst)
    {
        var ring = Create(capacity);
        var sink = new long[burst];
        long next = 0;
        // Enough rounds to wrap the 64-bit position through the slot array many times at every offset.
        for (int round = 0; round < capacity * 4; round++)
        {
            Assert.True(ring.EnqueueBulk(Sequence(next, burst)));
            Assert.True(ring.DequeueBulk(sink));
            Assert.Equal(Sequence(next, burst), sink);
            next += burst;
        }
        Assert.True(ring.IsEmpty);
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(16, 2)]
    [InlineData(64, 3)]
    public void Random_operations_match_a_queue_model(int capacity, int seed)
    {
        var ring = Create(capacity);
        var model = new Queue<long>();
        var random = new Random(seed);
        long next = 0;
        var buffer = new long[capacity + 8];

        for (int step = 0; step < 20_000; step++)
        {
            int size = random.Next(0, capacity + 8);
            int free = capacity - model.Count;
            switch (random.Next(6))
            {
                case 0:
                {
                    int n = ring.EnqueueBurst(Sequence(next, size));
                    Assert.Equal(Math.Min(size, free), n);
                    for (int i = 0; i < n; i++) model.Enqueue(next++);
                    break;
                }
                case 1:
                {
                    bool ok = ring.EnqueueBulk(Sequence(next, size));
                    Assert.Equal(size <= free, ok);
                    if (ok) for (int i = 0; i < size; i++) model.Enqueue(next++);
                    break;
                }
                case 2:
                {
                    bool ok = ring.TryEnqueue(next);
                    Assert.Equal(free > 0, ok);
                    if (ok) model.Enqueue(next++);
                    break;
                }
                case 3:
                {
                    int n = ring.DequeueBurst(buffer.AsSpan(0, size));
                    Assert.Equal(Math.Min(size, model.Count), n);
                    for (int i = 0; i < n; i++) Assert.Equal(model.Dequeue(), buffer[i]);
                    break;
                }
                case 4:
                {
                    bool ok = ring.DequeueBulk(buffer.AsSpan(0, size));
                    Assert.Equal(size <= model.Count, ok);
                    if (ok) for (int i = 0; i < size; i++) Assert.Equal(model.Dequeue(), buffer[i]);
                    break;
                }
                default:
                {
                    bool ok = ring.TryDequeue(out long item);
                    Assert.Equal(model.Count > 0, ok);
                    if (ok) Assert.Equal(model.Dequeue(), item);
                    break;
                }
            }
            Assert.Equal(model.Count, ring.Count);
        }
    }
}
