using System.Diagnostics.CodeAnalysis;

namespace FastPath.Wire.Ipv4;

/// <summary>The meaningful values of an IPv4 header. Options are not represented: <see cref="Emit"/> writes IHL 5.</summary>
/// <param name="Source">The sender's address.</param>
/// <param name="Destination">The receiver's address, a multicast group or a broadcast address.</param>
/// <param name="Protocol">The payload's protocol.</param>
/// <param name="PayloadLength">Bytes after the header: total length minus IHL * 4.</param>
/// <param name="Ttl">Time to live, hops.</param>
/// <param name="Dscp">0..63.</param>
/// <param name="Ecn">0..3.</param>
/// <param name="Identification">Groups the fragments of one datagram (RFC 6864).</param>
/// <param name="DontFragment">DF.</param>
/// <param name="MoreFragments">MF: fragments follow this one.</param>
/// <param name="FragmentOffset">In BYTES (a multiple of 8, 0..65528), not in the 8-byte units of the wire field.</param>
public readonly record struct Ipv4Repr(
    Ipv4Address Source,
    Ipv4Address Destination,
    IpProtocol Protocol,
    int PayloadLength,
    byte Ttl = Ipv4Repr.DefaultTtl,
    byte Dscp = 0,
    byte Ecn = 0,
    ushort Identification = 0,
    bool DontFragment = false,
    bool MoreFragments = false,
    ushort FragmentOffset = 0)
{
    /// <summary>Linux's net.ipv4.ip_default_ttl.</summary>
    public const byte DefaultTtl = 64;

    /// <summary>The bytes <see cref="Emit"/> writes: always 20, no options.</summary>
    [SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Every repr exposes HeaderLength as an instance member, constant or not.")]
    public int HeaderLength => Ipv4Packet.MinimumHeaderLength;

    /// <summary>The total length field <see cref="Emit"/> writes.</summary>
    public int TotalLength => HeaderLength + PayloadLength;

    /// <inheritdoc cref="TryParse(Ipv4Packet, out Ipv4Repr, out WireError)"/>
    public static bool TryParse(Ipv4Packet packet, out Ipv4Repr repr) => TryParse(packet, out repr, out _);

    /// <summary>
    /// Reads a packet the checked view accepted (so version, IHL and total length are sound). Refuses, with
    /// <see cref="WireError.BadField"/>, a fragment that would end past 65535 bytes of reassembled datagram
    /// (RFC 791: the total length is 16 bits; the "ping of death"). The header checksum is NOT checked, so a
    /// NIC that validated it can be trusted: call <see cref="Ipv4Packet.VerifyChecksum"/> otherwise.
    /// </summary>
    public static bool TryParse(Ipv4Packet packet, out Ipv4Repr repr, out WireError error)
    {
        ushort fragmentOffset = packet.FragmentOffset;
        if (fragmentOffset + packet.TotalLength > Ipv4Packet.MaximumLength)
        {
            repr = default;
            error = WireError.BadField;
            return false;
        }
        repr = new Ipv4Repr(
            packet.Source,
            packet.Destination,
            packet.Protocol,
            packet.TotalLength - packet.HeaderLength,
            packet.Ttl,
            packet.Dscp,
            packet.Ecn,
            packet.Identification,
            packet.DontFragment,
            packet.MoreFragments,
            fragmentOffset);
        error = WireError.None;
        return true;
    }

    /// <summary>
    /// Writes the 20-byte header, checksum included (the reserved flag bit is written as zero). The packet's
    /// buffer must hold at least <see cref="HeaderLength"/> bytes; the payload is the caller's.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A value does not fit its field.</exception>
    public void Emit(Ipv4Packet packet)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(PayloadLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PayloadLength, Ipv4Packet.MaximumLength - HeaderLength);
        packet.Version = 4;
        packet.HeaderLength = HeaderLength;
        packet.Dscp = Dscp;
        packet.Ecn = Ecn;
        packet.TotalLength = (ushort)TotalLength;
        packet.Identification = Identification;
        // The setters below each keep the other bits of the word; start from zero so the reserved bit is clear.
        packet.FlagsAndOffset = 0;
        packet.FragmentOffset = FragmentOffset;
        packet.DontFragment = DontFragment;
        packet.MoreFragments = MoreFragments;
        packet.Ttl = Ttl;
        packet.Protocol = Protocol;
        packet.Source = Source;
        packet.Destination = Destination;
        packet.FillChecksum();
    }
}
