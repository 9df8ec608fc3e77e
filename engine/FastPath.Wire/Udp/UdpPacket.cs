using System.Diagnostics.CodeAnalysis;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Udp;

/// <summary>
/// A view of a UDP datagram (RFC 768) over the IP payload. Properties read and write the header in network
/// byte order; nothing is copied.
/// </summary>
/// <remarks>
/// The constructor does not check anything: use it to emit into a buffer you sized yourself. For bytes
/// from the wire use <see cref="TryParse(Span{byte}, out UdpPacket, out WireError)"/>, after which every
/// property is safe to read.
/// </remarks>
public readonly ref struct UdpPacket
{
    /// <summary>The UDP header is always eight bytes.</summary>
    public const int FixedHeaderLength = 8;

    private readonly Span<byte> _buffer;

    /// <summary>An unchecked view: the caller guarantees at least <see cref="FixedHeaderLength"/> bytes.</summary>
    public UdpPacket(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// The checked constructor for untrusted input. The length field must cover the header and fit in the
    /// buffer; bytes past it (Ethernet padding) are ignored.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out UdpPacket packet, out WireError error)
    {
        error = Check(buffer);
        packet = error == WireError.None ? new UdpPacket(buffer) : default;
        return error == WireError.None;
    }

    /// <inheritdoc cref="TryParse(Span{byte}, out UdpPacket, out WireError)"/>
    public static bool TryParse(Span<byte> buffer, out UdpPacket packet) => TryParse(buffer, out packet, out _);

    internal static WireError Check(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < FixedHeaderLength) return WireError.Truncated;
        int length = NetworkOrder.ReadUInt16(buffer, 4, FixedHeaderLength);
        // RFC 768: the length counts header and data, so it is at least 8. Jumbograms (length 0, RFC 2675)
        // exist only over IPv6.
        if (length < FixedHeaderLength || length > buffer.Length) return WireError.BadLength;
        return WireError.None;
    }

    public ushort SourcePort
    {
        get => NetworkOrder.ReadUInt16(_buffer, 0, FixedHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, 0, value);
    }

    public ushort DestinationPort
    {
        get => NetworkOrder.ReadUInt16(_buffer, 2, FixedHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, 2, value);
    }

    /// <summary>The length field: header plus payload, in bytes.</summary>
    public ushort Length
    {
        get => NetworkOrder.ReadUInt16(_buffer, 4, FixedHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, 4, value);
    }

    /// <summary>The checksum field; 0 means the sender computed none (RFC 768).</summary>
    public ushort Checksum
    {
        get => NetworkOrder.ReadUInt16(_buffer, 6, FixedHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, 6, value);
    }

    [SuppressMessage("Performance", "CA1822", Justification = "Instance member so that every view has the same shape (packet.HeaderLength), whatever the protocol.")]
    public int HeaderLength => FixedHeaderLength;

    /// <summary>The whole span the view was made over, trailing bytes included.</summary>
    internal Span<byte> Buffer => _buffer;

    /// <summary>Header and payload as the length field bounds them; trailing bytes excluded.</summary>
    public Span<byte> Datagram => _buffer[..Length];

    /// <summary>The data after the header, bounded by the length field.</summary>
    public Span<byte> Payload => _buffer[FixedHeaderLength..Length];

    /// <summary>
    /// True when the checksum is absent (0) or matches the pseudo-header, header and payload. Receivers
    /// accept a datagram without checksum over IPv4 (RFC 1122 section 4.1.3.4).
    /// </summary>
    public bool VerifyChecksum(Ipv4Address source, Ipv4Address destination) =>
        Checksum == 0 || InternetChecksum.IsValidWithPseudoHeader(source, destination, IpProtocol.Udp, Datagram);

    /// <summary>
    /// Computes the checksum over the pseudo-header, the header and the payload already in the buffer.
    /// The length field must be set first.
    /// </summary>
    public void FillChecksum(Ipv4Address source, Ipv4Address destination)
    {
        Checksum = 0;
        ushort checksum = InternetChecksum.ComputeWithPseudoHeader(source, destination, IpProtocol.Udp, Datagram);
        // RFC 768: a computed 0 is sent as all ones, because 0 on the wire means "no checksum".
        Checksum = checksum == 0 ? (ushort)0xFFFF : checksum;
    }
}
