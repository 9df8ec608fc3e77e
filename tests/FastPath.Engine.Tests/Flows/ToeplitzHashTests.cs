using System.Net;
using FastPath.Engine.Flows;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Tests.Flows;

public class ToeplitzHashTests
{
    // Microsoft, "Verifying the RSS Hash Calculation" (the RSS specification's verification suite), with its
    // default key: source address, source port, destination address, destination port, IPv4 hash, TCP/IPv4 hash.
    public static TheoryData<string, ushort, string, ushort, uint, uint> Ipv4Vectors => new()
    {
        { "66.9.149.187", 2794, "161.142.100.80", 1766, 0x323e8fc2, 0x51ccc178 },
        { "199.92.111.2", 14230, "65.69.140.83", 4739, 0xd718262a, 0xc626b0ea },
        { "24.19.198.95", 12898, "12.22.207.184", 38024, 0xd2d0a5de, 0x5c2b394a },
        { "38.27.205.30", 48228, "209.142.163.6", 2217, 0x82989176, 0xafc7327f },
        { "153.39.163.191", 44251, "202.188.127.2", 1303, 0x5d1809c5, 0x10e828a2 },
    };

    public static TheoryData<string, ushort, string, ushort, uint, uint> Ipv6Vectors => new()
    {
        { "3ffe:2501:200:1fff::7", 2794, "3ffe:2501:200:3::1", 1766, 0x2cc18cd5, 0x40207d3d },
        { "3ffe:501:8::260:97ff:fe40:efab", 14230, "ff02::1", 4739, 0x0f0c461c, 0xdde51bbf },
        { "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251, "fe80::200:f8ff:fe21:67cf", 38024, 0x4b61e985, 0x02d1feef },
    };

    [Theory]
    [MemberData(nameof(Ipv4Vectors))]
    public void The_microsoft_key_gives_the_verification_suite_hashes_for_ipv4(string source, ushort sourcePort, string destination, ushort destinationPort, uint ipHash, uint tcpHash)
    {
        var hash = ToeplitzHash.Microsoft;
        Ipv4Address src = Ipv4Address.Parse(source), dst = Ipv4Address.Parse(destination);
        Assert.Equal(ipHash, hash.ComputeIpv4(src, dst));
        Assert.Equal(tcpHash, hash.ComputeIpv4(src, dst, sourcePort, destinationPort));
        Assert.Equal(tcpHash, hash.Compute(new FlowKey(src, dst, sourcePort, destinationPort, IpProtocol.Tcp)));
        // The byte-span form over the same input bytes in network order.
        byte[] input = [.. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(),
            (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort];
        Assert.Equal(ipHash, hash.Compute(input.AsSpan(0, 8)));
        Assert.Equal(tcpHash, hash.Compute(input));
        Assert.Equal(tcpHash, BitLoopToeplitz(ToeplitzHash.MicrosoftKey, input));
    }

    [Theory]
    [MemberData(nameof(Ipv6Vectors))]
    public void The_microsoft_key_gives_the_verification_suite_hashes_for_ipv6_inputs_of_36_bytes(string source, ushort sourcePort, string destination, ushort destinationPort, uint ipHash, uint tcpHash)
    {
        byte[] input = [.. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(),
            (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort];
        Assert.Equal(36, input.Length);
        Assert.Equal(ipHash, ToeplitzHash.Microsoft.Compute(input.AsSpan(0, 32)));
        Assert.Equal(tcpHash, ToeplitzHash.Microsoft.Compute(input));
    }

    [Fact]
    public void The_symmetric_key_hashes_both_directions_of_a_flow_the_same_and_the_microsoft_key_does_not()
    {
        var random = new Random(5);
        int asymmetric = 0;
        for (int i = 0; i < 10_000; i++)
        {
            var a = new Ipv4Address((uint)random.NextInt64(0, 1L << 32));
            var b = new Ipv4Address((uint)random.NextInt64(0, 1L << 32));
            ushort pa = (ushort)random.Next(65536), pb = (ushort)random.Next(65536);
            Assert.Equal(ToeplitzHash.Symmetric.ComputeIpv4(a, b, pa, pb), ToeplitzHash.Symmetric.ComputeIpv4(b, a, pb, pa));
            Assert.Equal(ToeplitzHash.Symmetric.ComputeIpv4(a, b), ToeplitzHash.Symmetric.ComputeIpv4(b, a));
            if (ToeplitzHash.Microsoft.ComputeIpv4(a, b, pa, pb) != ToeplitzHash.Microsoft.ComputeIpv4(b, a, pb, pa)) asymmetric++;
        }
        Assert.True(asymmetric > 9_900, $"{asymmetric}");
    }

    [Fact]
    public void The_table_driven_hash_equals_the_bit_loop_definition_for_random_keys_and_inputs()
    {
        var random = new Random(11);
        for (int round = 0; round < 200; round++)
        {
            byte[] key = new byte[random.Next(5, 52)];
            random.NextBytes(key);
            var hash = new ToeplitzHash(key);
            Assert.Equal(key.Length - 4, hash.MaxInputLength);
            byte[] input = new byte[random.Next(0, hash.MaxInputLength + 1)];
            random.NextBytes(input);
            Assert.Equal(BitLoopToeplitz(key, input), hash.Compute(input));
        }
    }

    [Fact]
    public void The_symmetric_hash_spreads_flows_evenly_over_the_indirection_table()
    {
        var random = new Random(3);
        var buckets = new int[128];
        const int Flows = 128 * 1000;
        for (int i = 0; i < Flows; i++)
        {
            uint h = ToeplitzHash.Symmetric.ComputeIpv4(new Ipv4Address((uint)random.NextInt64(1L << 32)), new Ipv4Address(0x0A000001), (ushort)random.Next(65536), 443);
            buckets[h & 127]++;
        }
        // A fair spread: every bucket within 15% of the mean (binomial sd is about 3%).
        Assert.All(buckets, count => Assert.InRange(count, 850, 1150));
    }

    [Fact]
    public void Inputs_longer_than_the_key_allows_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ToeplitzHash.Microsoft.Compute(new byte[37]));
        Assert.Throws<ArgumentException>(() => new ToeplitzHash(new byte[4]));
    }

    /// <summary>The definition, one bit at a time: for each set input bit, XOR the 32 key bits starting there.</summary>
    private static uint BitLoopToeplitz(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input)
    {
        uint result = 0;
        for (int bit = 0; bit < input.Length * 8; bit++)
        {
            if ((input[bit / 8] & (0x80 >> (bit % 8))) == 0) continue;
            uint window = 0;
            for (int k = 0; k < 32; k++)
            {
                int keyBit = bit + k;
                window = window << 1 | (uint)((key[keyBit / 8] >> (7 - keyBit % 8)) & 1);
            }
            result ^= window;
        }
        return result;
    }
}
