using FastPath.Wire.Tcp;
using static FastPath.Wire.Tests.Tcp.TcpFixtures;

namespace FastPath.Wire.Tests.Tcp;

public class TcpOptionTests
{
    /// <summary>Walks an options area to the end; returns the kinds seen and the enumerator's error.</summary>
    private static (string Kinds, WireError Error) Walk(string optionsHex)
    {
        var enumerator = new TcpOptionEnumerator(Convert.FromHexString(optionsHex));
        var kinds = new List<string>();
        while (enumerator.MoveNext()) kinds.Add(((byte)enumerator.Current.Kind).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return (string.Join(",", kinds), enumerator.Error);
    }

    [Theory]
    [InlineData("0200")]
    [InlineData("0201")]
    [InlineData("02ff05b4")]
    [InlineData("010102ff05b4")] // after NOP padding
    public void Length_0_1_or_past_the_area_is_BadOption(string options) =>
        Assert.Equal((string.Empty, WireError.BadOption), Walk(options));

    [Fact]
    public void Only_padding_yields_nothing() => Assert.Equal((string.Empty, WireError.None), Walk("01010100"));

    [Theory]
    [InlineData("1e00")]
    [InlineData("1e01")]
    [InlineData("1eff00")]
    public void Unknown_kind_with_a_bad_length_is_BadOption(string options) =>
        Assert.Equal(WireError.BadOption, Walk(options).Error);

    [Fact]
    public void Kind_in_the_last_byte_without_its_length_is_BadOption() =>
        Assert.Equal(("2", WireError.BadOption), Walk("020405b4" + "08"));

    [Fact]
    public void Unknown_options_are_skipped_by_their_length()
    {
        // An MPTCP option (kind 30) and a fast open cookie (kind 34) between MSS and window scale.
        Assert.Equal(("2,30,34,3", WireError.None), Walk("020405b4" + "1e0c0081a5b6c7d8e9f00102" + "220a0102030405060708" + "01030307"));
    }

    [Fact]
    public void End_of_option_list_ends_the_walk_and_what_follows_is_padding()
    {
        Assert.Equal(("2", WireError.None), Walk("020405b4" + "00" + "02ff0000"));
    }

    [Theory]
    [InlineData("020305")] // MSS needs 4
    [InlineData("02050500ff")]
    [InlineData("030203")] // window scale needs 3
    [InlineData("0403")] // SACK-permitted needs 2
    [InlineData("080800000000000000")] // timestamps need 10
    [InlineData("0502")] // SACK needs at least one block
    [InlineData("050b0000000000000000000000")] // 2 + 9 is not 2 + 8n
    public void Known_kinds_with_a_length_their_format_forbids(string options) =>
        Assert.Equal(WireError.BadOption, Walk(options).Error);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Sack_with_one_to_four_blocks(int count)
    {
        string blocks = string.Concat(Enumerable.Range(0, count).Select(i => $"{1000 * i + 100:x8}{1000 * i + 600:x8}"));
        var enumerator = new TcpOptionEnumerator(Convert.FromHexString($"05{2 + 8 * count:x2}{blocks}"));

        Assert.True(enumerator.MoveNext());
        Assert.Equal(count, enumerator.Current.SackBlockCount);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(new TcpSackBlock((uint)(1000 * i + 100), (uint)(1000 * i + 600)), enumerator.Current.GetSackBlock(i));
        }
        Assert.False(enumerator.MoveNext());
        Assert.Equal(WireError.None, enumerator.Error);
    }

    [Fact]
    public void Sack_with_five_blocks_is_BadOption()
    {
        string blocks = string.Concat(Enumerable.Repeat("0000006400000258", 5));
        Assert.Equal(WireError.BadOption, Walk("052a" + blocks).Error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(255)]
    public void Repr_refuses_a_syn_whose_mss_length_is_bad(byte length)
    {
        byte[] bytes = Convert.FromHexString(Syn);
        bytes[21] = length;
        Assert.True(TcpPacket.TryParse(bytes, out var packet));

        Assert.False(TcpRepr.TryParse(packet, out var repr, out var error));
        Assert.Equal(WireError.BadOption, error);
        Assert.Equal(default, repr);
    }

    [Fact]
    public void Typed_accessor_of_another_kind_throws()
    {
        byte[] options = Convert.FromHexString("020405b4");
        var enumerator = new TcpOptionEnumerator(options);
        Assert.True(enumerator.MoveNext());

        try
        {
            _ = enumerator.Current.WindowScale;
            Assert.Fail("expected InvalidOperationException");
        }
        catch (InvalidOperationException)
        {
        }
    }
}
