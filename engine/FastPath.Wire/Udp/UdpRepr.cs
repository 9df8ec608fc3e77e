using System.Diagnostics.CodeAnalysis;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Udp;

/// <summary>The meaningful values of a UDP header: ports and how much payload follows.</summary>
/// <remarks>The checksum is not part of the representation: check it on the view before parsing.</remarks>
public readonly record struct UdpRepr(ushort SourcePort, ushort DestinationPort, int PayloadLength)
{
    /// <summary>Bytes <see cref="Emit"/> writes before the payload.</summary>
    [SuppressMessage("Performance", "CA1822", Justification = "Instance member so that every representation has the same shape (repr.HeaderLength), whatever the protocol.")]
    public int HeaderLength => UdpPacket.FixedHeaderLength;

    /// <summary>Header plus payload: the value of the length field and the size of the IP payload.</summary>
    public int DatagramLength => UdpPacket.FixedHeaderLength + PayloadLength;

    /// <summary>Reads a datagram; the lengths are checked again so that an unchecked view cannot throw.</summary>
    public static bool TryParse(UdpPacket packet, out UdpRepr repr, out WireError error)
    {
        // The view is a ref struct over the caller's span: re-checking costs two compares and keeps the
        // promise that parsing never throws, whichever constructor made the view.
        error = UdpPacket.Check(packet.Buffer);
        if (error != WireError.None)
        {
            repr = default;
            return false;
        }
        repr = new UdpRepr(packet.SourcePort, packet.DestinationPort, packet.Length - UdpPacket.FixedHeaderLength);
        return true;
    }

    /// <inheritdoc cref="TryParse(UdpPacket, out UdpRepr, out WireError)"/>
    public static bool TryParse(UdpPacket packet, out UdpRepr repr) => TryParse(packet, out repr, out _);

    /// <summary>
    /// Writes every header field and the checksum. Write the payload into
    /// <c>buffer[HeaderLength..DatagramLength]</c> first: the checksum covers it.
    /// </summary>
    public void Emit(UdpPacket packet, Ipv4Address source, Ipv4Address destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(PayloadLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DatagramLength, ushort.MaxValue);
        packet.SourcePort = SourcePort;
        packet.DestinationPort = DestinationPort;
        packet.Length = (ushort)DatagramLength;
        packet.FillChecksum(source, destination);
    }
}
