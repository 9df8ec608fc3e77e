using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Arp;

public class ArpPacketTests
{
    // Who has 192.168.0.2? Tell 192.168.0.55 (00:05:5d:61:58:a8).
    private const string Request = "0001" + "0800" + "06" + "04" + "0001" + "00055d6158a8" + "c0a80037" + "000000000000" + "c0a80002";

    // 192.168.0.2 is at 00:05:5d:a1:b8:40.
    private const string Reply = "0001" + "0800" + "06" + "04" + "0002" + "00055da1b840" + "c0a80002" + "00055d6158a8" + "c0a80037";

    private static readonly MacAddress Asker = MacAddress.Parse("00:05:5d:61:58:a8");
    private static readonly MacAddress Owner = MacAddress.Parse("00:05:5d:a1:b8:40");
    private static readonly Ipv4Address AskerIp = Ipv4Address.Parse("192.168.0.55");
    private static readonly Ipv4Address OwnerIp = Ipv4Address.Parse("192.168.0.2");

    private static readonly ArpRepr RequestRepr = new(ArpOperation.Request, Asker, AskerIp, MacAddress.Zero, OwnerIp);
    private static readonly ArpRepr ReplyRepr = new(ArpOperation.Reply, Owner, OwnerIp, Asker, AskerIp);

    [Fact]
    public void TryParse_request_reads_every_field()
    {
        byte[] bytes = Convert.FromHexString(Request);

        Assert.True(ArpPacket.TryParse(bytes, out var packet, out var error));

        Assert.Equal(WireError.None, error);
        Assert.Equal(1, packet.HardwareType);
        Assert.Equal(EtherType.Ipv4, packet.ProtocolType);
        Assert.Equal(6, packet.HardwareLength);
        Assert.Equal(4, packet.ProtocolLength);
        Assert.Equal(ArpOperation.Request, packet.Operation);
        Assert.Equal(Asker, packet.SenderHardwareAddress);
        Assert.Equal(AskerIp, packet.SenderProtocolAddress);
        Assert.Equal(MacAddress.Zero, packet.TargetHardwareAddress);
        Assert.Equal(OwnerIp, packet.TargetProtocolAddress);
        Assert.True(ArpRepr.TryParse(packet, out var repr));
        Assert.Equal(RequestRepr, repr);
    }

    [Fact]
    public void TryParse_reply_gives_the_reply_repr()
    {
        byte[] bytes = Convert.FromHexString(Reply);

        Assert.True(ArpPacket.TryParse(bytes, out var packet));
        Assert.True(ArpRepr.TryParse(packet, out var repr, out var error));

        Assert.Equal(WireError.None, error);
        Assert.Equal(ReplyRepr, repr);
    }

    [Theory]
    [InlineData(Request)]
    [InlineData(Reply)]
    public void Emit_into_a_zeroed_buffer_equals_the_fixture(string hex)
    {
        ArpRepr repr = hex == Request ? RequestRepr : ReplyRepr;
        byte[] buffer = new byte[repr.HeaderLength];

        repr.Emit(new ArpPacket(buffer));

        Assert.Equal(ArpPacket.Length, repr.HeaderLength);
        Assert.Equal(Convert.FromHexString(hex), buffer);
    }

    [Theory]
    [InlineData(Request)]
    [InlineData(Reply)]
    public void Parse_then_emit_round_trips(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        Assert.True(ArpPacket.TryParse(bytes, out var packet));
        Assert.True(ArpRepr.TryParse(packet, out var repr));
        byte[] buffer = Enumerable.Repeat((byte)0xEE, ArpPacket.Length).ToArray();

        repr.Emit(new ArpPacket(buffer));

        Assert.Equal(bytes, buffer);
    }

    [Fact]
    public void A_60_byte_frame_with_non_zero_padding_parses_and_the_padding_is_ignored()
    {
        byte[] frameBytes = Convert.FromHexString(
            "ffffffffffff" + "00055d6158a8" + "0806" + Request + "007731d25010fd7841d3" + "0000000000000000");
        Assert.Equal(EthernetFrame.MinimumFrameLength, frameBytes.Length);

        Assert.True(EthernetFrame.TryParse(frameBytes, out var frame));
        Assert.True(ArpPacket.TryParse(frame.Payload, out var packet));
        Assert.True(ArpRepr.TryParse(packet, out var repr));

        Assert.Equal(RequestRepr, repr);
    }

    [Fact]
    public void Trailing_garbage_is_ignored()
    {
        byte[] bytes = Convert.FromHexString(Reply + "ffffffffffffffffffffffff");

        Assert.True(ArpPacket.TryParse(bytes, out var packet));
        Assert.True(ArpRepr.TryParse(packet, out var repr));
        Assert.Equal(ReplyRepr, repr);
    }

    public static TheoryData<int> TruncatedLengths() => new(Enumerable.Range(0, ArpPacket.Length));

    [Theory]
    [MemberData(nameof(TruncatedLengths))]
    public void TryParse_every_truncation_is_Truncated(int length)
    {
        byte[] bytes = Convert.FromHexString(Request)[..length];

        Assert.False(ArpPacket.TryParse(bytes, out _, out var error));
        Assert.Equal(WireError.Truncated, error);
    }

    [Theory]
    [InlineData("0006" + "0800" + "06" + "04")] // IEEE 802 hardware type
    [InlineData("0001" + "86dd" + "06" + "04")] // IPv6 protocol addresses
    [InlineData("0001" + "0800" + "08" + "04")] // 8-byte hardware addresses
    [InlineData("0001" + "0800" + "06" + "10")] // 16-byte protocol addresses
    public void TryParse_refuses_other_address_families_as_Unsupported(string fixedPart)
    {
        byte[] bytes = Convert.FromHexString(fixedPart + Request[16..]);

        Assert.False(ArpPacket.TryParse(bytes, out _, out var error));
        Assert.Equal(WireError.Unsupported, error);
        // Decided from the 8 fixed bytes: a short packet of another family is Unsupported too, not Truncated.
        Assert.False(ArpPacket.TryParse(bytes.AsSpan(0, 8), out _, out error));
        Assert.Equal(WireError.Unsupported, error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)] // RARP request
    [InlineData(8)] // InARP request
    public void Repr_refuses_opcodes_other_than_request_and_reply(int operation)
    {
        byte[] bytes = Convert.FromHexString(Request);
        var packet = new ArpPacket(bytes) { Operation = (ArpOperation)operation };

        Assert.True(ArpPacket.TryParse(bytes, out packet));
        Assert.False(ArpRepr.TryParse(packet, out var repr, out var error));
        Assert.Equal(WireError.BadField, error);
        Assert.Equal(default, repr);
    }

    [Fact]
    public void Random_buffers_never_throw()
    {
        var random = new Random(826);
        byte[] fixedPart = Convert.FromHexString(Request[..16]);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            // Mostly a valid fixed part, so the 8..28 byte range is reached.
            if (random.Next(4) != 0) fixedPart.AsSpan(0, Math.Min(8, bytes.Length)).CopyTo(bytes);

            if (ArpPacket.TryParse(bytes, out var packet, out var error))
            {
                bool known = ArpRepr.TryParse(packet, out var repr);
                Assert.Equal(packet.Operation is ArpOperation.Request or ArpOperation.Reply, known);
                if (known) Assert.Equal(packet.TargetProtocolAddress, repr.TargetProtocolAddress);
            }
            else
            {
                Assert.True(error is WireError.Truncated or WireError.Unsupported, error.ToString());
            }
        }
    }
}
