using FastPath.Engine.Tcp;

namespace FastPath.Engine.Tests.Tcp;

public class SipHashTests
{
    private const ulong K0 = 0x0706050403020100UL; // key bytes 00..07, little-endian
    private const ulong K1 = 0x0F0E0D0C0B0A0908UL; // key bytes 08..0f

    [Fact]
    public void The_paper_test_vector()
    {
        // SipHash paper, Appendix A: key 00 01 .. 0f, message 00 01 .. 0e.
        byte[] message = Enumerable.Range(0, 15).Select(i => (byte)i).ToArray();
        Assert.Equal(0xa129ca6149be45e5UL, SipHash.Hash(K0, K1, message));
    }

    /// <summary>The reference implementation's vectors_sip64 for messages 00 .. n-1, n = 0..17: every tail length and two full blocks.</summary>
    [Theory]
    [InlineData(0, 0x726fdb47dd0e0e31UL)]
    [InlineData(1, 0x74f839c593dc67fdUL)]
    [InlineData(2, 0x0d6c8009d9a94f5aUL)]
    [InlineData(3, 0x85676696d7fb7e2dUL)]
    [InlineData(4, 0xcf2794e0277187b7UL)]
    [InlineData(5, 0x18765564cd99a68dUL)]
    [InlineData(6, 0xcbc9466e58fee3ceUL)]
    [InlineData(7, 0xab0200f58b01d137UL)]
    [InlineData(8, 0x93f5f5799a932462UL)]
    [InlineData(9, 0x9e0082df0ba9e4b0UL)]
    [InlineData(10, 0x7a5dbbc594ddb9f3UL)]
    [InlineData(11, 0xf4b32f46226bada7UL)]
    [InlineData(12, 0x751e8fbc860ee5fbUL)]
    [InlineData(13, 0x14ea5627c0843d90UL)]
    [InlineData(14, 0xf723ca908e7af2eeUL)]
    [InlineData(15, 0xa129ca6149be45e5UL)]
    [InlineData(16, 0x3f2acc7f57c29bdbUL)]
    [InlineData(17, 0x699ae9f52cbe4794UL)]
    public void Reference_vectors(int length, ulong expected)
    {
        byte[] message = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        Assert.Equal(expected, SipHash.Hash(K0, K1, message));
    }

    [Fact]
    public void The_key_changes_the_hash()
    {
        byte[] message = [1, 2, 3];
        Assert.NotEqual(SipHash.Hash(K0, K1, message), SipHash.Hash(K0 ^ 1, K1, message));
        Assert.NotEqual(SipHash.Hash(K0, K1, message), SipHash.Hash(K0, K1 ^ (1UL << 63), message));
    }
}
