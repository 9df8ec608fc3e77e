using System.Buffers.Binary;
using FastPath.Apps.Decode;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Decode;

/// <summary>Broken frames are described with the right error codes, and no byte pattern makes the decoder throw.</summary>
public sealed class MalformedFrameDecodeTests
{
    private static byte[] Tftp() => RepoPaths.ReadHex("vectors/tftp-rrq.hex");

    [Fact]
    public void BadIpv4HeaderChecksumIsReported()
    {
        var bytes = Tftp();
        bytes[24] ^= 0x01; // header checksum, low byte
        var frame = FrameDecoder.Decode(bytes, 0);
        Assert.False(frame.Valid);
        Assert.Equal(["ipv4.checksum"], frame.Errors);
        Assert.Equal(false, frame.Layer("ipv4")!["checksum_valid"]);
        Assert.NotNull(frame.Layer("udp")); // the layers above still decode
    }

    [Fact]
    public void BadUdpChecksumIsReported()
    {
        var bytes = Tftp();
        bytes[^1] ^= 0x40; // a payload byte
        var frame = FrameDecoder.Decode(bytes, 0);
        Assert.Equal(["udp.checksum"], frame.Errors);
        Assert.Equal(false, frame.Layer("udp")!["checksum_valid"]);
    }

    [Fact]
    public void UdpChecksumZeroMeansNoneAndIsValid()
    {
        var bytes = Tftp();
        bytes[40] = 0;
        bytes[41] = 0;
        var frame = FrameDecoder.Decode(bytes, 0);
        Assert.True(frame.Valid);
        Assert.Null(frame.Layer("udp")!["checksum_valid"]);
    }

    [Fact]
    public void IhlBelowFiveIsReported()
    {
        var bytes = Tftp();
        bytes[14] = 0x44;
        var frame = FrameDecoder.Decode(bytes, 0);
        Assert.Equal(["ipv4.ihl"], frame.Errors);
        Assert.Null(frame.Layer("ipv4"));
    }

    [Fact]
    public void TotalLengthPastTheFrameIsReportedAsLength_OrAsTruncatedWhenTheCaptureWasCut()
    {
        var bytes = Tftp();
        Assert.Equal(["ipv4.length"], FrameDecoder.Decode(bytes.AsSpan(0, 60), 0).Errors);
        Assert.Equal(["ipv4.truncated"], FrameDecoder.Decode(bytes.AsSpan(0, 60), 0, originalLength: 97).Errors);
    }

    [Fact]
    public void TcpDataOffsetBelowFiveIsReported()
    {
        var bytes = TestFrames.TcpSyn();
        bytes[14 + 20 + 12] = 0x40; // data offset 4
        var frame = FrameDecoder.Decode(bytes, 0);
        Assert.Equal(["tcp.data_offset"], frame.Errors);
    }

    [Fact]
    public void TcpSegmentShorterThanItsHeaderIsTruncated()
    {
        var bytes = TestFrames.TcpSyn();
        // Claim an IP total length that ends inside the TCP header, and fix the header checksum.
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(16), 20 + 12);
        var ip = new FastPath.Wire.Ipv4.Ipv4Packet(bytes.AsSpan(14, 20));
        ip.FillChecksum();
        var frame = FrameDecoder.Decode(bytes, 0);
        Assert.Equal(["tcp.truncated"], frame.Errors);
    }

    [Fact]
    public void BadTcpOptionLengthIsReported()
    {
        var bytes = TestFrames.TcpSyn();
        int options = 14 + 20 + 20;
        Assert.Equal(2, bytes[options]); // MSS kind first
        bytes[options + 1] = 0; // length 0: the walk cannot go on (RFC 9293 3.1)
        var frame = FrameDecoder.Decode(bytes, 0);
        Assert.Contains("tcp.option", frame.Errors);
    }

    [Fact]
    public void EveryTruncationOfEveryFrameDecodesWithoutThrowing()
    {
        byte[][] frames =
        [
            Tftp(), RepoPaths.ReadHex("vectors/arp-request.hex"), TestFrames.TcpSyn(),
            TestFrames.IcmpEcho(7, 1, new byte[56]), TestFrames.IgmpV2Report(FastPath.Wire.Ipv4.Ipv4Address.Parse("239.1.2.3")),
            TestFrames.Udp(new byte[100], vlan: new FastPath.Wire.Ethernet.VlanTag(100)),
        ];
        foreach (var frame in frames)
        {
            for (int length = 0; length <= frame.Length; length++)
            {
                var decoded = FrameDecoder.Decode(frame.AsSpan(0, length).ToArray(), 0);
                if (length < 14) Assert.Equal(["eth.truncated"], decoded.Errors);
                _ = DecodedFrameJson.ToJson(decoded);
                _ = DecodedFrameText.Format(decoded);
            }
        }
    }

    [Fact]
    public void RandomMutationsNeverThrow()
    {
        var random = new Random(20261121);
        byte[][] seeds = [Tftp(), TestFrames.TcpSyn(), TestFrames.IcmpEcho(1, 2, new byte[32]), TestFrames.IgmpV2Report(FastPath.Wire.Ipv4.Ipv4Address.Parse("224.1.1.1"))];
        for (int i = 0; i < 20000; i++)
        {
            var frame = (byte[])seeds[i % seeds.Length].Clone();
            int flips = random.Next(1, 6);
            for (int f = 0; f < flips; f++) frame[random.Next(frame.Length)] = (byte)random.Next(256);
            var decoded = FrameDecoder.Decode(frame.AsSpan(0, random.Next(frame.Length + 1)), i);
            _ = DecodedFrameJson.ToJson(decoded);
        }
    }
}
