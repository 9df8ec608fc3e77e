using FastPath.Engine.Rings;

namespace FastPath.Engine.Tests.Rings;

/// <summary>
/// Three producer threads and one consumer: each producer tags its items with its id and a sequence number,
/// so the consumer can check that every item arrives exactly once and each producer's items in the order it
/// enqueued them (the only order an MPSC ring promises). More threads than the 2 cores here, so producers
/// are preempted in the middle of a reservation: the case where the in-order tail publish matters.
/// </summary>
[Collection(RingStressCollection.Name)]
public sealed class MpscRingStressTests
{
    private const int Producers = 3;
    private const int SequenceBits = 40;

    [Theory]
    [InlineData(1024, 32, 1_000_000)]
    [InlineData(8, 8, 100_000)]   // a tiny ring: reservations contend for the last free slots
    public void Every_item_arrives_once_and_in_per_producer_order(int capacity, int maxBurst, long perProducer)
    {
        var ring = new MpscRing<long>(capacity);
        long received = 0;
        var workers = new Action<CancellationToken>[Producers + 1];
        for (int p = 0; p < Producers; p++)
        {
            int id = p;
            workers[p] = token => Produce(ring, id, perProducer, StressRunner.BurstSizes(10 + id, maxBurst), token);
        }
        var next = new long[Producers];
        workers[Producers] = token => Consume(ring, next, perProducer, StressRunner.BurstSizes(2, maxBurst), ref received, token);

        StressRunner.Run(() => Volatile.Read(ref received), workers);

        Assert.Equal(Producers * perProducer, received);
        Assert.All(next, n => Assert.Equal(perProducer, n));
        Assert.True(ring.IsEmpty);
    }

    private static void Produce(MpscRing<long> ring, int id, long total, int[] sizes, CancellationToken token)
    {
        var burst = new long[sizes.Max()];
        long tag = (long)id << SequenceBits;
        long next = 0;
        var spin = default(SpinWait);
        for (int call = 0; next < total && !token.IsCancellationRequested; call++)
        {
            int size = (int)Math.Min(sizes[call & (sizes.Length - 1)], total - next);
            for (int i = 0; i < size; i++) burst[i] = tag | (next + i);
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

    private static void Consume(MpscRing<long> ring, long[] next, long perProducer, int[] sizes, ref long received, CancellationToken token)
    {
        var burst = new long[sizes.Max()];
        long total = Producers * perProducer;
        long count = 0;
        var spin = default(SpinWait);
        for (int call = 0; count < total && !token.IsCancellationRequested; call++)
        {
            int size = sizes[call & (sizes.Length - 1)];
            var items = burst.AsSpan(0, size);
            int got = call % 2 == 0 ? ring.DequeueBurst(items) : (ring.DequeueBulk(items) ? size : 0);
            for (int i = 0; i < got; i++)
            {
                long item = items[i];
                int producer = (int)(item >> SequenceBits);
                long sequence = item & ((1L << SequenceBits) - 1);
                if ((uint)producer >= Producers) Assert.Fail($"item {item:x} names no producer");
                if (sequence != next[producer])
                    Assert.Fail($"producer {producer}: expected item {next[producer]}, received {sequence}");
                next[producer]++;
            }
            count += got;
            Volatile.Write(ref received, count);
            if (got == 0) spin.SpinOnce();
            else spin.Reset();
        }
    }
}
