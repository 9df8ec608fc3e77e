using FastPath.Engine.Rings;

namespace FastPath.Engine.Tests.Rings;

/// <summary>
/// The operations both rings share, so that one set of single-thread semantics tests runs against each.
/// The rings have no common interface on purpose (an interface call would defeat the JIT's specialisation
/// in hot loops); tests pay the indirection instead.
/// </summary>
public abstract class RingUnderTest
{
    public abstract int Capacity { get; }
    public abstract int Count { get; }
    public abstract bool IsEmpty { get; }
    public abstract int EnqueueBurst(ReadOnlySpan<long> items);
    public abstract bool EnqueueBulk(ReadOnlySpan<long> items);
    public abstract bool TryEnqueue(long item);
    public abstract int DequeueBurst(Span<long> items);
    public abstract bool DequeueBulk(Span<long> items);
    public abstract bool TryDequeue(out long item);

    public sealed class Spsc(int capacity) : RingUnderTest
    {
        private readonly SpscRing<long> _ring = new(capacity);
        public override int Capacity => _ring.Capacity;
        public override int Count => _ring.Count;
        public override bool IsEmpty => _ring.IsEmpty;
        public override int EnqueueBurst(ReadOnlySpan<long> items) => _ring.EnqueueBurst(items);
        public override bool EnqueueBulk(ReadOnlySpan<long> items) => _ring.EnqueueBulk(items);
        public override bool TryEnqueue(long item) => _ring.TryEnqueue(item);
        public override int DequeueBurst(Span<long> items) => _ring.DequeueBurst(items);
        public override bool DequeueBulk(Span<long> items) => _ring.DequeueBulk(items);
        public override bool TryDequeue(out long item) => _ring.TryDequeue(out item);
    }

    public sealed class Mpsc(int capacity) : RingUnderTest
    {
        private readonly MpscRing<long> _ring = new(capacity);
        public override int Capacity => _ring.Capacity;
        public override int Count => _ring.Count;
        public override bool IsEmpty => _ring.IsEmpty;
        public override int EnqueueBurst(ReadOnlySpan<long> items) => _ring.EnqueueBurst(items);
        public override bool EnqueueBulk(ReadOnlySpan<long> items) => _ring.EnqueueBulk(items);
        public override bool TryEnqueue(long item) => _ring.TryEnqueue(item);
        public override int DequeueBurst(Span<long> items) => _ring.DequeueBurst(items);
        public override bool DequeueBulk(Span<long> items) => _ring.DequeueBulk(items);
        public override bool TryDequeue(out long item) => _ring.TryDequeue(out item);
    }
}
