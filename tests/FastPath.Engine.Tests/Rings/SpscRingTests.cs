using FastPath.Engine.Memory;
using FastPath.Engine.Rings;

namespace FastPath.Engine.Tests.Rings;

public sealed class SpscRingTests : RingSemanticsTests
{
    protected override RingUnderTest Create(int capacity) => new RingUnderTest.Spsc(capacity);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(1000)]
    [InlineData(-8)]
    [InlineData(int.MinValue)]
    public void Capacity_must_be_a_power_of_two_of_at_least_two(int capacity) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpscRing<long>(capacity));

    [Theory]
    [InlineData(2)]
    [InlineData(1024)]
    [InlineData(1 << 20)]
    public void Valid_capacities_are_kept(int capacity) =>
        Assert.Equal(capacity, new SpscRing<long>(capacity).Capacity);

    [Fact]
    public void Carries_packet_handles_unchanged()
    {
        var ring = new SpscRing<Packet>(16);
        Packet[] sent = [new(0, 128, 60), new(4095, 0, 2048), new(uint.MaxValue, ushort.MaxValue, ushort.MaxValue)];

        Assert.True(ring.EnqueueBulk(sent));
        var received = new Packet[3];
        Assert.Equal(3, ring.DequeueBurst(received));
        Assert.Equal(sent, received);
    }
}
