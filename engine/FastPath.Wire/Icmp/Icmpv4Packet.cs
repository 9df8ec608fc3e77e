using System.Buffers.Binary;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Icmp;

/// <summary>
/// A view of an ICMPv4 message (RFC 792) over the IP payload. ICMP has no length field: the view must span
/// the IPv4 payload as the total length bounds it, since the checksum covers the whole message.
/// </summary>
/// <remarks>
/// The bytes 4-7 mean different things per type; the view offers each reading (<see cref="Identifier"/>,
/// <see cref="NextHopMtu"/>, <see cref="RestOfHeader"/>) and the caller picks by <see cref="Type"/>.
/// <see cref="TryParse(Span{byte}, out Icmpv4Packet, out WireError)"/> checks that the fixed part of the
/// message's type fits (20 bytes for timestamps, 12 for address masks, 8 otherwise).
/// </remarks>
public readonly ref struct Icmpv4Packet
{
    /// <summary>Type, code, checksum and the four-byte rest of header every message has.</summary>
    public const int MinimumHeaderLength = 8;

    private readonly Span<byte> _buffer;

    /// <summary>An unchecked view: the caller guarantees the fixed part of the message fits.</summary>
    public Icmpv4Packet(Span<byte> buffer) => _buffer = buffer;

    public static bool TryParse(Span<byte> buffer, out Icmpv4Packet packet, out WireError error)
    {
        error = Check(buffer);
        packet = error == WireError.None ? new Icmpv4Packet(buffer) : default;
        return error == WireError.None;
    }

    /// <inheritdoc cref="TryParse(Span{byte}, out Icmpv4Packet, out WireError)"/>
    public static bool TryParse(Span<byte> buffer, out Icmpv4Packet packet) => TryParse(buffer, out packet, out _);

    internal static WireError Check(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < MinimumHeaderLength) return WireError.Truncated;
        return buffer.Length < HeaderLengthOf((Icmpv4Type)buffer[0]) ? WireError.Truncated : WireError.None;
    }

    /// <summary>The bytes before the payload for a message of this type.</summary>
    public static int HeaderLengthOf(Icmpv4Type type) => type switch
    {
        Icmpv4Type.Timestamp or Icmpv4Type.TimestampReply => 20,
        Icmpv4Type.AddressMaskRequest or Icmpv4Type.AddressMaskReply => 12,
        _ => MinimumHeaderLength,
    };

    public Icmpv4Type Type
    {
        get => (Icmpv4Type)_buffer[0];
        set => _buffer[0] = (byte)value;
    }

    public byte Code
    {
        get => _buffer[1];
        set => _buffer[1] = value;
    }

    public ushort Checksum
    {
        get => NetworkOrder.ReadUInt16(_buffer, 2);
        set => NetworkOrder.WriteUInt16(_buffer, 2, value);
    }

    /// <summary>Bytes 4-7 as one value: what a generic message carries (a redirect's gateway, a parameter problem's pointer).</summary>
    public uint RestOfHeader
    {
        get => NetworkOrder.ReadUInt32(_buffer, 4);
        set => NetworkOrder.WriteUInt32(_buffer, 4, value);
    }

    /// <summary>Echo, timestamp and address mask messages: matches a reply to its request.</summary>
    public ushort Identifier
    {
        get => NetworkOrder.ReadUInt16(_buffer, 4);
        set => NetworkOrder.WriteUInt16(_buffer, 4, value);
    }

    public ushort SequenceNumber
    {
        get => NetworkOrder.ReadUInt16(_buffer, 6);
        set => NetworkOrder.WriteUInt16(_buffer, 6, value);
    }

    /// <summary>Destination unreachable, code 4: the MTU of the next hop (RFC 1191 section 4); 0 from pre-RFC 1191 routers.</summary>
    public ushort NextHopMtu
    {
        get => NetworkOrder.ReadUInt16(_buffer, 6);
        set => NetworkOrder.WriteUInt16(_buffer, 6, value);
    }

    /// <summary>Timestamp messages: when the requester sent the request, in ms since midnight UT.</summary>
    public uint OriginateTimestamp
    {
        get => NetworkOrder.ReadUInt32(_buffer, 8);
        set => NetworkOrder.WriteUInt32(_buffer, 8, value);
    }

    /// <summary>Timestamp messages: when the echoer received the request.</summary>
    public uint ReceiveTimestamp
    {
        get => NetworkOrder.ReadUInt32(_buffer, 12);
        set => NetworkOrder.WriteUInt32(_buffer, 12, value);
    }

    /// <summary>Timestamp messages: when the echoer sent the reply.</summary>
    public uint TransmitTimestamp
    {
        get => NetworkOrder.ReadUInt32(_buffer, 16);
        set => NetworkOrder.WriteUInt32(_buffer, 16, value);
    }

    /// <summary>Address mask messages (RFC 950): the subnet mask.</summary>
    public Ipv4Address AddressMask
    {
        get => new(_buffer.Slice(8, Ipv4Address.Length));
        set => value.CopyTo(_buffer[8..]);
    }

    public int HeaderLength => HeaderLengthOf(Type);

    /// <summary>
    /// What follows the fixed part: an echo's data, or for destination unreachable and time exceeded the
    /// offending datagram's IP header and at least its first 8 data bytes (RFC 792, RFC 1812 section 4.3.2.3).
    /// </summary>
    public Span<byte> Payload => _buffer[HeaderLength..];

    internal Span<byte> Buffer => _buffer;

    /// <summary>True when the whole message, checksum included, sums to 0xFFFF.</summary>
    public bool VerifyChecksum() => InternetChecksum.IsValid(_buffer);

    /// <summary>Computes the checksum over the whole view (header and payload).</summary>
    public void FillChecksum()
    {
        Checksum = 0;
        Checksum = InternetChecksum.Compute(_buffer);
    }
}
