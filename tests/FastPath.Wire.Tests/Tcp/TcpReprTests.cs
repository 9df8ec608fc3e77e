using FastPath.Wire.Tcp;
using static FastPath.Wire.Tests.Tcp.TcpFixtures;

namespace FastPath.Wire.Tests.Tcp;

public class TcpReprTests
{
    private static TcpRepr Parse(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        Assert.True(TcpPacket.TryParse(bytes, out var packet));
        Assert.True(TcpRepr.TryParse(packet, out var repr, out var error));
        Assert.Equal(WireError.None, error);
        return repr;
    }

    private static readonly TcpRepr LinuxSyn = new()
    {
        SourcePort = 45678,
        DestinationPort = 80,
        SequenceNumber = 0x3b9aca00,
        Flags = TcpFlags.Syn,
        Window = 64240,
        MaxSegmentSize = 1460,
        SackPermitted = true,
        Timestamps = (0x0009a8c0, 0),
        WindowScale = 7,
    };

    [Fact]
    public void Syn_with_all_options_parses_as_linux_sent_it()
    {
        var repr = Parse(Syn);

        Assert.Equal(LinuxSyn, repr);
        Assert.Equal(40, repr.HeaderLength);
        Assert.Equal(0, repr.SackBlocks.Count);
    }

    [Fact]
    public void Syn_emits_byte_for_byte_like_linux()
    {
        byte[] buffer = new byte[LinuxSyn.SegmentLength];

        LinuxSyn.Emit(new TcpPacket(buffer), Client, Server);

        Assert.Equal(Syn, Convert.ToHexString(buffer), ignoreCase: true);
    }

    [Fact]
    public void Data_segment_parses_and_emits()
    {
        var repr = Parse(Data);
        Assert.Equal(
            new TcpRepr
            {
                SourcePort = 45678,
                DestinationPort = 80,
                SequenceNumber = 0x3b9aca01,
                AcknowledgmentNumber = 0xa1b2c3d5,
                Flags = TcpFlags.Psh | TcpFlags.Ack,
                Window = 502,
                Timestamps = (0x0009a8c5, 0x7f3a1122),
                PayloadLength = DataPayloadLength,
            },
            repr);

        byte[] expected = Convert.FromHexString(Data);
        byte[] buffer = new byte[repr.SegmentLength];
        expected.AsSpan(repr.HeaderLength).CopyTo(buffer.AsSpan(repr.HeaderLength)); // payload first
        repr.Emit(new TcpPacket(buffer), Client, Server);

        Assert.Equal(expected, buffer);
    }

    [Fact]
    public void Sack_blocks_parse_inline()
    {
        var repr = Parse(Sack);

        Assert.Equal(1, repr.SackBlocks.Count);
        Assert.Equal(new TcpSackBlock(0xa1b2d5b4, 0xa1b2db68), repr.SackBlocks[0]);
        Assert.Equal(TcpFlags.Ack, repr.Flags);
        Assert.Equal(3, repr.SackBlockCapacity); // timestamps leave room for three
    }

    [Theory]
    [MemberData(nameof(All), MemberType = typeof(TcpFixtures))]
    public void Round_trip_reproduces_every_fixture(string name, string hex, string sender)
    {
        var (source, destination) = Addresses(sender);
        byte[] wire = Convert.FromHexString(hex);
        var repr = Parse(hex);

        byte[] rebuilt = new byte[repr.SegmentLength];
        wire.AsSpan(repr.HeaderLength).CopyTo(rebuilt.AsSpan(repr.HeaderLength));
        repr.Emit(new TcpPacket(rebuilt), source, destination);

        Assert.True(rebuilt.AsSpan().SequenceEqual(wire), name);
        Assert.Equal(repr, Parse(Convert.ToHexString(rebuilt)));
    }

    [Fact]
    public void Emit_checksums_only_the_segment_in_a_larger_buffer()
    {
        byte[] buffer = new byte[LinuxSyn.SegmentLength + 16];
        buffer.AsSpan(LinuxSyn.SegmentLength).Fill(0xEE);

        LinuxSyn.Emit(new TcpPacket(buffer), Client, Server);

        Assert.Equal(Syn, Convert.ToHexString(buffer, 0, LinuxSyn.SegmentLength), ignoreCase: true);
    }

    [Fact]
    public void Window_scale_above_14_is_clamped_when_interpreted()
    {
        byte[] bytes = Convert.FromHexString(Syn);
        bytes[39] = 15; // shift count of the window scale option

        Assert.True(TcpPacket.TryParse(bytes, out var packet));
        var options = packet.Options;
        while (options.MoveNext() && options.Current.Kind != TcpOptionKind.WindowScale)
        {
        }
        Assert.Equal(15, options.Current.WindowScale); // the view reports the wire value
        Assert.True(TcpRepr.TryParse(packet, out var repr));
        Assert.Equal((byte)14, repr.WindowScale);
    }

    [Fact]
    public void Emit_refuses_a_window_scale_above_14()
    {
        var repr = LinuxSyn with { WindowScale = 15 };
        byte[] buffer = new byte[repr.SegmentLength];

        Assert.Throws<ArgumentOutOfRangeException>(() => repr.Emit(new TcpPacket(buffer), Client, Server));
    }

    [Fact]
    public void Options_are_padded_to_four_bytes_in_linux_order()
    {
        var repr = new TcpRepr { Flags = TcpFlags.Syn, SackPermitted = true, WindowScale = 2 };
        byte[] buffer = new byte[repr.SegmentLength];

        repr.Emit(new TcpPacket(buffer), Client, Server);

        Assert.Equal(28, repr.HeaderLength);
        Assert.Equal("0101040201030302", Convert.ToHexString(buffer, 20, 8));
        Assert.Equal(0x70, buffer[12]);
        Assert.Equal(repr, Parse(Convert.ToHexString(buffer)));
    }

    [Fact]
    public void Four_sack_blocks_without_timestamps_fill_the_options_area()
    {
        var blocks = new TcpSackBlocks([new(1, 2), new(3, 4), new(5, 6), new(7, 8)]);
        var repr = new TcpRepr { Flags = TcpFlags.Ack, SackBlocks = blocks };
        byte[] buffer = new byte[repr.SegmentLength];

        repr.Emit(new TcpPacket(buffer), Client, Server);

        Assert.Equal(56, repr.HeaderLength);
        Assert.Equal("01010522", Convert.ToHexString(buffer, 20, 4));
        Assert.Equal(repr, Parse(Convert.ToHexString(buffer)));
    }

    [Fact]
    public void Emit_refuses_more_sack_blocks_than_fit_next_to_timestamps()
    {
        var repr = new TcpRepr
        {
            Flags = TcpFlags.Ack,
            Timestamps = (1, 2),
            SackBlocks = new TcpSackBlocks([new(1, 2), new(3, 4), new(5, 6), new(7, 8)]),
        };
        Assert.Equal(3, repr.SackBlockCapacity);

        Assert.Throws<InvalidOperationException>(() => repr.Emit(new TcpPacket(new byte[60]), Client, Server));
    }

    [Fact]
    public void Sack_blocks_compare_by_their_used_entries()
    {
        var a = new TcpSackBlocks([new(1, 2), new(3, 4)]);
        var b = new TcpSackBlocks([new(1, 2), new(3, 4)]);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, new TcpSackBlocks([new(1, 2)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => a[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TcpSackBlocks(new TcpSackBlock[5]));
    }

    [Fact]
    public void Later_duplicate_option_wins()
    {
        // Two MSS options: Linux keeps the last one it parses.
        byte[] bytes = Convert.FromHexString("b26e00503b9aca000000000070020000" + "00000000" + "020405b402040218");

        Assert.True(TcpPacket.TryParse(bytes, out var packet));
        Assert.True(TcpRepr.TryParse(packet, out var repr));
        Assert.Equal((ushort)536, repr.MaxSegmentSize);
    }
}
