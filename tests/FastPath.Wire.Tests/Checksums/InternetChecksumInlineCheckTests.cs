using System.Buffers.Binary;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Checksums;

/// <summary>
/// The inline verification of short messages (IsValid and IsValidWithPseudoHeader up to the inline limit,
/// the dispatched sum above it) against the byte-pair reference, on every length and alignment around the limit.
/// </summary>
public class InternetChecksumInlineCheckTests
{
    [Fact]
    public void The_checks_agree_with_the_reference_on_every_length_and_alignment()
    {
        var random = new Random(3);
        var buffer = new byte[400];
        for (int length = 0; length <= 300; length++)
        {
            for (int offset = 0; offset < 4; offset++)
            {
                random.NextBytes(buffer);
                Span<byte> message = buffer.AsSpan(offset, length);
                var source = new Ipv4Address((uint)random.Next());
                var destination = new Ipv4Address((uint)random.Next());
                Assert.Equal(ChecksumReference.Sum(message) == 0xFFFF, InternetChecksum.IsValid(message));
                Assert.Equal(ReferenceWithPseudoHeader(source, destination, message) == 0xFFFF,
                    InternetChecksum.IsValidWithPseudoHeader(source, destination, IpProtocol.Udp, message));
                if (length < 8) continue;
                // Now make each valid: the checks must say so too.
                message[6] = 0;
                message[7] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(message[6..], (ushort)~ReferenceWithPseudoHeader(source, destination, message));
                Assert.True(InternetChecksum.IsValidWithPseudoHeader(source, destination, IpProtocol.Udp, message), $"length {length}");
                message[2] = 0;
                message[3] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(message[2..], (ushort)~ChecksumReference.Sum(message));
                Assert.True(InternetChecksum.IsValid(message), $"length {length}");
            }
        }
    }

    /// <summary>The pseudo-header (RFC 768) summed by the reference: addresses, zero and protocol, length.</summary>
    private static uint ReferenceWithPseudoHeader(Ipv4Address source, Ipv4Address destination, ReadOnlySpan<byte> segment)
    {
        Span<byte> pseudo = stackalloc byte[12 + segment.Length + (segment.Length & 1)];
        pseudo.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(pseudo, source.Value);
        BinaryPrimitives.WriteUInt32BigEndian(pseudo[4..], destination.Value);
        pseudo[9] = (byte)IpProtocol.Udp;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo[10..], (ushort)segment.Length);
        segment.CopyTo(pseudo[12..]);
        return ChecksumReference.Sum(pseudo);
    }
}
