using FastPath.Wire.Igmp;

namespace FastPath.Wire.Tests.Igmp;

public class IgmpTimeCodeTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(100, 100)]
    [InlineData(127, 127)]
    [InlineData(0x80, 128)] // exp 0, mant 0: 16 << 3
    [InlineData(0x8c, 224)] // exp 0, mant 12: 28 << 3
    [InlineData(0x90, 256)] // exp 1, mant 0: 16 << 4
    [InlineData(0xFF, 31744)] // exp 7, mant 15: 31 << 10
    public void Decodes_rfc3376_section_4_1_1(byte code, int value) => Assert.Equal(value, IgmpTimeCode.Decode(code));

    [Fact]
    public void Every_code_encodes_back_to_itself()
    {
        for (int code = 0; code <= 255; code++)
        {
            Assert.Equal(code, IgmpTimeCode.Encode(IgmpTimeCode.Decode((byte)code)));
        }
    }

    [Theory]
    [InlineData(129, 0x80)]
    [InlineData(135, 0x80)]
    [InlineData(136, 0x81)]
    [InlineData(31743, 0xFE)]
    [InlineData(40000, 0xFF)]
    public void Encoding_rounds_down_and_clamps(int value, byte code) => Assert.Equal(code, IgmpTimeCode.Encode(value));

    [Fact]
    public void Negative_values_are_refused() => Assert.Throws<ArgumentOutOfRangeException>(() => IgmpTimeCode.Encode(-1));
}
