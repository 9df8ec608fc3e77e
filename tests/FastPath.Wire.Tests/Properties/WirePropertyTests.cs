using FsCheck;
using FsCheck.Fluent;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;

namespace FastPath.Wire.Tests.Properties;

/// <summary>Laws that must hold for every input, checked by FsCheck on generated values (shrunk on failure).</summary>
public sealed class WirePropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(500);

    [Fact]
    public void Ipv4AddressFormatsAndParsesBack() =>
        Check.One(Runs, Prop.ForAll<uint>(value =>
            Ipv4Address.TryParse(new Ipv4Address(value).ToString(), out var parsed) && parsed.Value == value));

    [Fact]
    public void MacAddressFormatsAndParsesBack() =>
        Check.One(Runs, Prop.ForAll<ulong>(value =>
        {
            var mac = MacAddress.FromUInt64(value);
            return MacAddress.TryParse(mac.ToString(), out var parsed) && parsed == mac && parsed.ToUInt64() == (value & 0xFFFF_FFFF_FFFFUL);
        }));

    /// <summary>RFC 1624: updating one 16-bit word incrementally gives what a full recompute gives.</summary>
    [Fact]
    public void IncrementalUpdateEqualsRecompute() =>
        Check.One(Runs, Prop.ForAll<byte[], int, ushort>((data, index, newWord) =>
        {
            if (data.Length < 2) return true;
            var bytes = data.Length % 2 == 0 ? data : data[..^1];
            int word = (int)((uint)index % (uint)(bytes.Length / 2)) * 2;
            ushort before = InternetChecksum.Compute(bytes);
            ushort oldWord = (ushort)(bytes[word] << 8 | bytes[word + 1]);
            bytes[word] = (byte)(newWord >> 8);
            bytes[word + 1] = (byte)newWord;
            ushort updated = InternetChecksum.Update(before, oldWord, newWord);
            ushort recomputed = InternetChecksum.Compute(bytes);
            // One exception, found by this property: when the new data is all zero its sum is +0, a full
            // recompute gives 0xFFFF and equation 3 gives 0x0000 (-0), the same one's complement value.
            // Real headers never sum to zero (the IPv4 version nibble alone sees to that).
            bool allZero = !bytes.AsSpan().ContainsAnyExcept((byte)0);
            return allZero ? updated is 0x0000 or 0xFFFF && recomputed == 0xFFFF : updated == recomputed;
        }));

    /// <summary>Data with its own checksum appended always verifies (RFC 1071 section 1).</summary>
    [Fact]
    public void DataFollowedByItsChecksumVerifies() =>
        Check.One(Runs, Prop.ForAll<byte[]>(data =>
        {
            var bytes = new byte[(data.Length + 1) / 2 * 2 + 2];
            data.CopyTo(bytes, 0);
            ushort checksum = InternetChecksum.Compute(bytes.AsSpan(0, bytes.Length - 2));
            bytes[^2] = (byte)(checksum >> 8);
            bytes[^1] = (byte)checksum;
            return InternetChecksum.IsValid(bytes);
        }));

    /// <summary>A UDP datagram emitted from any representation parses back to it and verifies.</summary>
    [Fact]
    public void UdpEmitParseRoundTrip() =>
        Check.One(Runs, Prop.ForAll<ushort, ushort, byte[]>((sourcePort, destinationPort, payload) =>
        {
            var repr = new UdpRepr(sourcePort, destinationPort, payload.Length);
            var buffer = new byte[repr.DatagramLength + 7]; // trailing bytes past the length are ignored
            payload.CopyTo(buffer, repr.HeaderLength);
            var source = new Ipv4Address(0x0A000001);
            var destination = new Ipv4Address(0xC0A80102);
            repr.Emit(new UdpPacket(buffer), source, destination);
            return UdpPacket.TryParse(buffer, out var packet)
                && UdpRepr.TryParse(packet, out var parsed)
                && parsed == repr
                && packet.VerifyChecksum(source, destination)
                && packet.Payload.SequenceEqual(payload);
        }));

    /// <summary>Whatever the bytes, the checked IPv4 parse either refuses or yields a payload inside the buffer.</summary>
    [Fact]
    public void Ipv4ParseNeverEscapesItsBuffer() =>
        Check.One(Runs, Prop.ForAll<byte[]>(bytes =>
        {
            if (!Ipv4Packet.TryParse(bytes, out var packet)) return true;
            return packet.HeaderLength >= 20 && packet.HeaderLength + packet.Payload.Length == packet.TotalLength && packet.TotalLength <= bytes.Length;
        }));
}
