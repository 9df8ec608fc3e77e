using System.Buffers.Binary;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tcp;

/// <summary>
/// A view of a TCP segment (RFC 9293 section 3.1) over the IP payload. TCP has no length field: the view
/// must span exactly the segment (the IPv4 payload as the total length bounds it), since the payload and
/// the checksum run to the end of the span.
/// </summary>
/// <remarks>
/// The constructor does not check anything: use it to emit into a buffer you sized yourself. For bytes
/// from the wire use <see cref="TryParse(Span{byte}, out TcpPacket, out WireError)"/>. Options are
/// validated as they are enumerated (<see cref="Options"/>) or by <see cref="TcpRepr.TryParse(TcpPacket, out TcpRepr, out WireError)"/>.
/// </remarks>
public readonly ref struct TcpPacket
{
    public const int MinimumHeaderLength = 20;

    /// <summary>A 4-bit data offset counts at most 15 words.</summary>
    public const int MaximumHeaderLength = 60;

    private readonly Span<byte> _buffer;

    /// <summary>An unchecked view: the caller guarantees the header (and its data offset) fits.</summary>
    public TcpPacket(Span<byte> buffer) => _buffer = buffer;

    /// <summary>The checked constructor for untrusted input: the data offset must be 5 to 15 words and fit in the buffer.</summary>
    public static bool TryParse(Span<byte> buffer, out TcpPacket packet, out WireError error)
    {
        error = Check(buffer);
        packet = error == WireError.None ? new TcpPacket(buffer) : default;
        return error == WireError.None;
    }

    /// <inheritdoc cref="TryParse(Span{byte}, out TcpPacket, out WireError)"/>
    public static bool TryParse(Span<byte> buffer, out TcpPacket packet) => TryParse(buffer, out packet, out _);

    internal static WireError Check(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < MinimumHeaderLength) return WireError.Truncated;
        int headerLength = (buffer[12] >> 4) * 4;
        if (headerLength < MinimumHeaderLength || headerLength > buffer.Length) return WireError.BadHeaderLength;
        return WireError.None;
    }

    public ushort SourcePort
    {
        get => NetworkOrder.ReadUInt16(_buffer, 0, MinimumHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, 0, value);
    }

    public ushort DestinationPort
    {
        get => NetworkOrder.ReadUInt16(_buffer, 2, MinimumHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, 2, value);
    }

    public uint SequenceNumber
    {
        get => NetworkOrder.ReadUInt32(_buffer, 4, MinimumHeaderLength);
        set => NetworkOrder.WriteUInt32(_buffer, 4, value);
    }

    public uint AcknowledgmentNumber
    {
        get => NetworkOrder.ReadUInt32(_buffer, 8, MinimumHeaderLength);
        set => NetworkOrder.WriteUInt32(_buffer, 8, value);
    }

    /// <summary>
    /// The data offset in bytes (the 4-bit field times four). Setting it keeps the low nibble of byte 12,
    /// which holds reserved bits and the AccECN AE flag.
    /// </summary>
    public int HeaderLength
    {
        get => (_buffer[12] >> 4) * 4;
        set => _buffer[12] = (byte)((value / 4) << 4 | (_buffer[12] & 0x0F));
    }

    public TcpFlags Flags
    {
        get => (TcpFlags)_buffer[13];
        set => _buffer[13] = (byte)value;
    }

    /// <summary>The window field as sent, before any window-scale shift.</summary>
    public ushort Window
    {
        get => NetworkOrder.ReadUInt16(_buffer, 14, MinimumHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, 14, value);
    }

    public ushort Checksum
    {
        get => NetworkOrder.ReadUInt16(_buffer, 16, MinimumHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, 16, value);
    }

    public ushort UrgentPointer
    {
        get => NetworkOrder.ReadUInt16(_buffer, 18, MinimumHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, 18, value);
    }

    /// <summary>The options area: the bytes between the fixed header and the data offset.</summary>
    public Span<byte> OptionBytes => _buffer[MinimumHeaderLength..HeaderLength];

    /// <summary>The options, for <c>foreach</c>; check the enumerator's Error afterwards to tell the end from a malformed option.</summary>
    public TcpOptionEnumerator Options => new(OptionBytes);

    public Span<byte> Payload => _buffer[HeaderLength..];

    /// <summary>Header plus payload: the whole view.</summary>
    public int SegmentLength => _buffer.Length;

    internal Span<byte> Buffer => _buffer;

    /// <summary>True when the segment sums to 0xFFFF with its IPv4 pseudo-header (RFC 9293 section 3.1).</summary>
    public bool VerifyChecksum(Ipv4Address source, Ipv4Address destination) =>
        InternetChecksum.IsValidWithPseudoHeader(source, destination, IpProtocol.Tcp, _buffer);

    /// <summary>Computes the checksum over the pseudo-header, the header and the payload already in the view.</summary>
    public void FillChecksum(Ipv4Address source, Ipv4Address destination)
    {
        Checksum = 0;
        Checksum = InternetChecksum.ComputeWithPseudoHeader(source, destination, IpProtocol.Tcp, _buffer);
    }
}
