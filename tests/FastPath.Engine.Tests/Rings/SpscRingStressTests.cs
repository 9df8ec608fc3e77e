using FastPath.Engine.Rings;

namespace FastPath.Engine.Tests.Rings;

/// <summary>
/// One producer thread and one consumer thread move a long run of sequence numbers in random burst sizes,
/// mixing burst, bulk and single-item calls on both sides. Any lost, duplicated, reordered or torn item
/// shows as a sequence number out of place.
/// </summary>
[Collection(RingStressCollection.Name)]
public sealed class SpscRingStressTests
{
    [Theory]
    [InlineData(1024, 64, 20_000_000)]
    [InlineData(16, 16, 1_000_000)]   // a small ring: full and empty on nearly every call
    public void Every_item_arrives_once_and_in_order(int capacity, int maxBurst, long total)
    {
        var ring = new SpscRing<long>(capacity);
        long received = 0;

        StressRunner.Run(
            () => Volatile.Read(ref received),
            token => Produce(ring, total, StressRunner.BurstSizes(1, maxBurst), token),
            token => Consume(ring, total, StressRunner.BurstSizes(2, maxBurst), ref received, token));

        Assert.Equal(total, received);
        Assert.True(ring.IsEmpty);
    }

    private static void Produce(SpscRing<long> ring, long total, int[] sizes, CancellationToken token)
    {
        var burst = new long[sizes.Max()];
        long next = 0;
        var spin = default(SpinWait);
        for (int call = 0; next < total && !token.IsCancellationRequested; call++)
        {
            int size = (int)Math.Min(sizes[call & (sizes.Length - 1)], total - next);
            for (int i = 0; i < size; i++) burst[i] = next + i;
            var items = burst.AsSpan(0, size);
            int sent = (call % 3) switch
            {
                0 => ring.EnqueueBurst(items),
                1 => ring.EnqueueBulk(items) ? size : 0,
                _ => ring.TryEnqueue(items[0]) ? 1 : 0,
            };
            next += sent;
            if (sent == 0) spin.SpinOnce();
            else spin.Reset();
        }
    }

    private static void Consume(SpscRing<long> ring, long total, int[] sizes, ref long received, CancellationToken token)
    {
        var burst = new long[sizes.Max()];
        long expected = 0;
        var spin = default(SpinWait);
        for (int call = 0; expected < total && !token.IsCancellationRequested; call++)
        {
            int size = sizes[call & (sizes.Length - 1)];
            var items = burst.AsSpan(0, size);
            int got = (call % 3) switch
            {
                0 => ring.DequeueBurst(items),
                1 => ring.DequeueBulk(items) ? size : 0,
                _ => ring.TryDequeue(out items[0]) ? 1 : 0,
            };
            for (int i = 0; i < got; i++)
            {
                if (items[i] != expected) Assert.Fail($"expected item {expected}, received {items[i]}");
                expected++;
            }
            Volatile.Write(ref received, expected);
            if (got == 0) spin.SpinOnce();
            else spin.Reset();
        }
    }
}
