using FastPath.Engine.Memory;

namespace FastPath.Engine.Tests.Memory;

public sealed class PacketTests
{
    [Fact]
    public void Prepend_grows_the_packet_into_the_headroom()
    {
        var packet = new Packet(7, 128, 60);

        Assert.True(packet.TryPrepend(14));

        Assert.Equal(new Packet(7, 114, 74), packet);
        Assert.Equal(114, packet.Headroom);
    }

    [Fact]
    public void Prepend_may_use_the_whole_headroom_but_no_more()
    {
        var packet = new Packet(7, 20, 40);

        Assert.False(packet.TryPrepend(21));
        Assert.Equal(new Packet(7, 20, 40), packet);
        Assert.True(packet.TryPrepend(20));
        Assert.Equal(new Packet(7, 0, 60), packet);
        Assert.False(packet.TryPrepend(1));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void Prepend_refuses_nonsense_sizes(int bytes)
    {
        var packet = new Packet(1, 128, 60);

        Assert.False(packet.TryPrepend(bytes));
        Assert.Equal(new Packet(1, 128, 60), packet);
    }

    [Fact]
    public void Trim_front_drops_a_parsed_header()
    {
        var packet = new Packet(3, 128, 60);

        Assert.True(packet.TryTrimFront(14));

        Assert.Equal(new Packet(3, 142, 46), packet);
        Assert.Equal(142, packet.Headroom);
    }

    [Fact]
    public void Trim_front_may_empty_the_packet_but_not_go_past_it()
    {
        var packet = new Packet(3, 128, 60);

        Assert.False(packet.TryTrimFront(61));
        Assert.Equal(new Packet(3, 128, 60), packet);
        Assert.True(packet.TryTrimFront(60));
        Assert.Equal(new Packet(3, 188, 0), packet);
        Assert.False(packet.TryTrimFront(1));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Trim_front_refuses_negative_sizes(int bytes)
    {
        var packet = new Packet(3, 128, 60);

        Assert.False(packet.TryTrimFront(bytes));
        Assert.Equal(new Packet(3, 128, 60), packet);
    }

    [Fact]
    public void Prepended_bytes_sit_just_in_front_of_the_old_data()
    {
        using var region = FrameRegion.Create(2);
        var packet = new Packet(1, 128, 4);
        region.GetSpan(packet).Fill(0xDD);

        Assert.True(packet.TryPrepend(2));
        var bytes = region.GetSpan(packet);
        bytes[..2].Fill(0xEE);

        Assert.Equal(new byte[] { 0xEE, 0xEE, 0xDD, 0xDD, 0xDD, 0xDD }, bytes.ToArray());
        Assert.True(packet.TryTrimFront(2));
        Assert.Equal(new byte[] { 0xDD, 0xDD, 0xDD, 0xDD }, region.GetSpan(packet).ToArray());
    }

    [Fact]
    public void Is_an_eight_byte_value()
    {
        Assert.Equal(8, System.Runtime.CompilerServices.Unsafe.SizeOf<Packet>());
        Assert.Equal(new Packet(1, 2, 3), new Packet(1, 2, 3));
        Assert.NotEqual(new Packet(1, 2, 3), new Packet(1, 2, 4));
        Assert.True(new Packet(1, 2, 3) == new Packet(1, 2, 3));
        Assert.True(new Packet(1, 2, 3) != new Packet(2, 2, 3));
        Assert.Equal("frame 5 [128..188)", new Packet(5, 128, 60).ToString());
    }
}
