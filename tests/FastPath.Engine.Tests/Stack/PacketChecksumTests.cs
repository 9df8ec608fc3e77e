using FastPath.Engine.Stack;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Tests.Stack;

public class PacketChecksumTests
{
    [Fact]
    public void The_inline_sums_agree_with_the_wire_checksum_on_every_length_and_alignment()
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
                Assert.Equal(InternetChecksum.IsValid(message), PacketChecksum.IsValid(message));
                Assert.Equal(InternetChecksum.IsValidWithPseudoHeader(source, destination, IpProtocol.Udp, message),
                    PacketChecksum.IsValidWithPseudoHeader(source.Value, destination.Value, IpProtocol.Udp, message));
                if (length < 8) continue;
                // Now make each valid: the fast path must say so too.
                message[6] = 0;
                message[7] = 0;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(message[6..], InternetChecksum.ComputeWithPseudoHeader(source, destination, IpProtocol.Udp, message));
                Assert.True(PacketChecksum.IsValidWithPseudoHeader(source.Value, destination.Value, IpProtocol.Udp, message), $"length {length}");
                message[2] = 0;
                message[3] = 0;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(message[2..], InternetChecksum.Compute(message));
                Assert.True(PacketChecksum.IsValid(message), $"length {length}");
            }
        }
    }
}
