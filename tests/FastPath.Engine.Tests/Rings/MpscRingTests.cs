using FastPath.Engine.Memory;
using FastPath.Engine.Rings;

namespace FastPath.Engine.Tests.Rings;

public sealed class MpscRingTests : RingSemanticsTests
{
    protected override RingUnderTest Create(int capacity) => new RingUnderTest.Mpsc(capacity);

    [Fact]
    public void Carries_packet_handles_unchanged()
    {
        var ring = new MpscRing<Packet>(16);
        Packet[] sent = [new(0, 128, 60), new(4095, 0, 2048), new(uint.MaxValue, ushort.MaxValue, ushort.MaxValue)];

        Assert.True(ring.EnqueueBulk(sent));
        var received = new Packet[3];
        Assert.Equal(3, ring.DequeueBurst(received));
        Assert.Equal(sent, received);
    }
}
