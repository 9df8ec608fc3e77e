using System.Runtime.CompilerServices;
using FastPath.Engine.Rings;

namespace FastPath.Engine.Tests.Rings;

/// <summary>
/// The false-sharing guarantees the rings' comments promise, checked on the real object layout: the
/// producer's and the consumer's hot fields are at least 128 bytes apart, and at least 128 bytes from the
/// start of the ring object (whatever the allocator placed before it).
/// </summary>
public sealed class RingLayoutTests
{
    private const int Line = 128;

    [Fact]
    public void Spsc_sides_do_not_share_a_line_pair()
    {
        var ring = new SpscRing<long>(16);
        AssertApart(ring, ref Accessors<long>.Producer(ring), ref Accessors<long>.Consumer(ring));
    }

    [Fact]
    public void Mpsc_sides_do_not_share_a_line_pair()
    {
        var ring = new MpscRing<long>(16);
        AssertApart(ring, ref Accessors<long>.Producer(ring), ref Accessors<long>.Consumer(ring));
    }

    private static void AssertApart(object ring, ref ProducerLine producer, ref ConsumerLine consumer)
    {
        ref byte start = ref Unsafe.As<RawObject>(ring).FirstByte;
        long producerFirst = Unsafe.ByteOffset(ref start, ref Unsafe.As<object, byte>(ref producer.Slots));
        long producerLast = Unsafe.ByteOffset(ref start, ref Unsafe.As<long, byte>(ref producer.Head)) + sizeof(long);
        long consumerFirst = Unsafe.ByteOffset(ref start, ref Unsafe.As<object, byte>(ref consumer.Slots));
        long consumerLast = Unsafe.ByteOffset(ref start, ref Unsafe.As<long, byte>(ref consumer.CachedTail)) + sizeof(long);

        Assert.True(producerFirst >= Line, $"producer fields start {producerFirst} bytes into the object");
        Assert.True(consumerFirst >= Line, $"consumer fields start {consumerFirst} bytes into the object");
        Assert.True(
            consumerFirst - producerLast >= Line || producerFirst - consumerLast >= Line,
            $"producer [{producerFirst}, {producerLast}) and consumer [{consumerFirst}, {consumerLast}) are closer than {Line} bytes");
    }

    private sealed class RawObject
    {
        public byte FirstByte;
    }

    private static class Accessors<T> where T : unmanaged
    {
        [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_producer")]
        public static extern ref ProducerLine Producer(SpscRing<T> ring);

        [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_consumer")]
        public static extern ref ConsumerLine Consumer(SpscRing<T> ring);

        [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_producer")]
        public static extern ref ProducerLine Producer(MpscRing<T> ring);

        [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_consumer")]
        public static extern ref ConsumerLine Consumer(MpscRing<T> ring);
    }
}
