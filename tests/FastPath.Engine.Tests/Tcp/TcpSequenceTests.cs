using FastPath.Engine.Tcp;
using FsCheck;
using FsCheck.Fluent;

namespace FastPath.Engine.Tests.Tcp;

public class TcpSequenceTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(500);

    [Theory]
    [InlineData(1u, 2u)]
    [InlineData(0xFFFF_FFFFu, 0u)]          // across 2^32
    [InlineData(0xFFFF_FF00u, 0x0000_0100u)]
    [InlineData(0u, 0x7FFF_FFFFu)]          // the farthest "after" that still counts as after
    public void Before_and_after_modulo_two_to_the_32(uint earlier, uint later)
    {
        Assert.True(TcpSequence.LessThan(earlier, later));
        Assert.True(TcpSequence.LessOrEqual(earlier, later));
        Assert.False(TcpSequence.GreaterThan(earlier, later));
        Assert.False(TcpSequence.GreaterOrEqual(earlier, later));
        Assert.True(TcpSequence.GreaterThan(later, earlier));
        Assert.True(TcpSequence.GreaterOrEqual(later, earlier));
        Assert.False(TcpSequence.LessThan(later, earlier));
        Assert.Equal(later, TcpSequence.Max(earlier, later));
        Assert.Equal(later, TcpSequence.Max(later, earlier));
        Assert.Equal(earlier, TcpSequence.Min(earlier, later));
        Assert.Equal(earlier, TcpSequence.Min(later, earlier));
    }

    [Fact]
    public void Equal_numbers_are_neither_before_nor_after()
    {
        Assert.False(TcpSequence.LessThan(7, 7));
        Assert.False(TcpSequence.GreaterThan(7, 7));
        Assert.True(TcpSequence.LessOrEqual(7, 7));
        Assert.True(TcpSequence.GreaterOrEqual(7, 7));
    }

    [Fact]
    public void A_range_across_two_to_the_32_contains_both_ends_of_the_wrap()
    {
        const uint start = 0xFFFF_FFF0u;
        const uint end = 0x10u;
        Assert.True(TcpSequence.InRange(0xFFFF_FFF0u, start, end));
        Assert.True(TcpSequence.InRange(0xFFFF_FFFFu, start, end));
        Assert.True(TcpSequence.InRange(0u, start, end));
        Assert.True(TcpSequence.InRange(0xFu, start, end));
        Assert.False(TcpSequence.InRange(0x10u, start, end));
        Assert.False(TcpSequence.InRange(0xFFFF_FFEFu, start, end));
        Assert.False(TcpSequence.InRange(0x8000_0000u, start, end));
        Assert.False(TcpSequence.InRange(5, 5, 5)); // an empty range holds nothing
    }

    [Fact]
    public void Comparisons_agree_with_the_signed_distance() =>
        Check.One(Runs, Prop.ForAll<uint, int>((a, distance) =>
        {
            if (distance == int.MinValue) return; // exactly 2^31 apart: undefined by RFC 9293, not tested
            uint b = unchecked(a + (uint)distance);
            Assert.Equal(distance > 0, TcpSequence.LessThan(a, b));
            Assert.Equal(distance >= 0, TcpSequence.LessOrEqual(a, b));
            Assert.Equal(distance < 0, TcpSequence.GreaterThan(a, b));
            Assert.Equal(distance <= 0, TcpSequence.GreaterOrEqual(a, b));
            Assert.Equal(TcpSequence.LessThan(a, b), TcpSequence.GreaterThan(b, a));
            Assert.Equal(distance >= 0 ? b : a, TcpSequence.Max(a, b));
            Assert.Equal(distance >= 0 ? a : b, TcpSequence.Min(a, b));
        }));

    [Fact]
    public void InRange_agrees_with_offsets_from_the_start() =>
        Check.One(Runs, Prop.ForAll<uint, ushort, ushort>((start, length, offset) =>
        {
            uint value = unchecked(start + offset);
            Assert.Equal(offset < length, TcpSequence.InRange(value, start, unchecked(start + length)));
        }));
}
