using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Icmp;

/// <summary>
/// The meaningful values of an ICMPv4 message. <see cref="Type"/> says which fields apply:
/// <list type="bullet">
/// <item>echo request/reply: <see cref="Identifier"/>, <see cref="SequenceNumber"/>, data as <see cref="PayloadLength"/>;</item>
/// <item>destination unreachable: <see cref="Code"/>, <see cref="NextHopMtu"/> for code 4, the offending datagram as <see cref="PayloadLength"/>;</item>
/// <item>time exceeded: <see cref="Code"/>, the offending datagram as <see cref="PayloadLength"/>;</item>
/// <item>timestamp/reply: identifier, sequence and the three timestamps;</item>
/// <item>address mask request/reply: identifier, sequence, <see cref="AddressMask"/>;</item>
/// <item>any other type: <see cref="Code"/> and <see cref="RestOfHeader"/>, so that it emits back unchanged.</item>
/// </list>
/// Fields that do not apply are zero. Payload bytes stay in the view.
/// </summary>
public readonly record struct Icmpv4Repr
{
    public Icmpv4Type Type { get; init; }
    public byte Code { get; init; }
    public ushort Identifier { get; init; }
    public ushort SequenceNumber { get; init; }
    public ushort NextHopMtu { get; init; }

    /// <summary>Milliseconds since midnight UT; RFC 792 lets a sender without such a clock set the high bit and put any time.</summary>
    public uint OriginateTimestamp { get; init; }
    public uint ReceiveTimestamp { get; init; }
    public uint TransmitTimestamp { get; init; }
    public Ipv4Address AddressMask { get; init; }

    /// <summary>Bytes 4-7 of a message of a type without its own fields here.</summary>
    public uint RestOfHeader { get; init; }

    /// <summary>Bytes after the fixed part of the message.</summary>
    public int PayloadLength { get; init; }

    /// <summary>Bytes <see cref="Emit"/> writes before the payload.</summary>
    public int HeaderLength => Icmpv4Packet.HeaderLengthOf(Type);

    /// <summary>Header plus payload: the size of the IP payload.</summary>
    public int MessageLength => HeaderLength + PayloadLength;

    public static Icmpv4Repr EchoRequest(ushort identifier, ushort sequenceNumber, int dataLength) =>
        new() { Type = Icmpv4Type.EchoRequest, Identifier = identifier, SequenceNumber = sequenceNumber, PayloadLength = dataLength };

    public static Icmpv4Repr EchoReply(ushort identifier, ushort sequenceNumber, int dataLength) =>
        new() { Type = Icmpv4Type.EchoReply, Identifier = identifier, SequenceNumber = sequenceNumber, PayloadLength = dataLength };

    /// <param name="code">Why the datagram was not delivered.</param>
    /// <param name="offendingLength">The length of the quoted datagram: its IP header and at least 8 bytes of its data.</param>
    /// <param name="nextHopMtu">For <see cref="Icmpv4UnreachableCode.FragmentationNeeded"/> only (RFC 1191).</param>
    public static Icmpv4Repr DestinationUnreachable(Icmpv4UnreachableCode code, int offendingLength, ushort nextHopMtu = 0) =>
        new()
        {
            Type = Icmpv4Type.DestinationUnreachable,
            Code = (byte)code,
            NextHopMtu = code == Icmpv4UnreachableCode.FragmentationNeeded ? nextHopMtu : (ushort)0,
            PayloadLength = offendingLength,
        };

    public static Icmpv4Repr TimeExceeded(Icmpv4TimeExceededCode code, int offendingLength) =>
        new() { Type = Icmpv4Type.TimeExceeded, Code = (byte)code, PayloadLength = offendingLength };

    public static Icmpv4Repr TimestampRequest(ushort identifier, ushort sequenceNumber, uint originate) =>
        new() { Type = Icmpv4Type.Timestamp, Identifier = identifier, SequenceNumber = sequenceNumber, OriginateTimestamp = originate };

    public static Icmpv4Repr TimestampReply(ushort identifier, ushort sequenceNumber, uint originate, uint receive, uint transmit) =>
        new()
        {
            Type = Icmpv4Type.TimestampReply,
            Identifier = identifier,
            SequenceNumber = sequenceNumber,
            OriginateTimestamp = originate,
            ReceiveTimestamp = receive,
            TransmitTimestamp = transmit,
        };

    /// <summary>RFC 950 section "ICMP fields": the mask field of a request is sent as zero.</summary>
    public static Icmpv4Repr AddressMaskRequest(ushort identifier, ushort sequenceNumber) =>
        new() { Type = Icmpv4Type.AddressMaskRequest, Identifier = identifier, SequenceNumber = sequenceNumber };

    public static Icmpv4Repr AddressMaskReply(ushort identifier, ushort sequenceNumber, Ipv4Address mask) =>
        new() { Type = Icmpv4Type.AddressMaskReply, Identifier = identifier, SequenceNumber = sequenceNumber, AddressMask = mask };

    /// <summary>
    /// Reads a message. Unknown types are not an error: they come back as a generic message, and the
    /// caller decides (RFC 1122 section 3.2.2: an unknown type MUST be silently discarded by a host).
    /// </summary>
    public static bool TryParse(Icmpv4Packet packet, out Icmpv4Repr repr, out WireError error)
    {
        repr = default;
        // Checked again so that a view made with the unchecked constructor cannot make parsing throw.
        error = Icmpv4Packet.Check(packet.Buffer);
        if (error != WireError.None) return false;

        var type = packet.Type;
        int payloadLength = packet.Buffer.Length - packet.HeaderLength;
        repr = type switch
        {
            Icmpv4Type.EchoRequest or Icmpv4Type.EchoReply or Icmpv4Type.AddressMaskRequest => new Icmpv4Repr
            {
                Type = type,
                Code = packet.Code,
                Identifier = packet.Identifier,
                SequenceNumber = packet.SequenceNumber,
                PayloadLength = payloadLength,
            },
            Icmpv4Type.AddressMaskReply => new Icmpv4Repr
            {
                Type = type,
                Code = packet.Code,
                Identifier = packet.Identifier,
                SequenceNumber = packet.SequenceNumber,
                AddressMask = packet.AddressMask,
                PayloadLength = payloadLength,
            },
            Icmpv4Type.Timestamp or Icmpv4Type.TimestampReply => new Icmpv4Repr
            {
                Type = type,
                Code = packet.Code,
                Identifier = packet.Identifier,
                SequenceNumber = packet.SequenceNumber,
                OriginateTimestamp = packet.OriginateTimestamp,
                ReceiveTimestamp = packet.ReceiveTimestamp,
                TransmitTimestamp = packet.TransmitTimestamp,
                PayloadLength = payloadLength,
            },
            Icmpv4Type.DestinationUnreachable => new Icmpv4Repr
            {
                Type = type,
                Code = packet.Code,
                // Bytes 4-5 are unused (RFC 4884 puts a length in byte 5, which FastPath does not interpret).
                NextHopMtu = packet.Code == (byte)Icmpv4UnreachableCode.FragmentationNeeded ? packet.NextHopMtu : (ushort)0,
                PayloadLength = payloadLength,
            },
            Icmpv4Type.TimeExceeded => new Icmpv4Repr { Type = type, Code = packet.Code, PayloadLength = payloadLength },
            _ => new Icmpv4Repr { Type = type, Code = packet.Code, RestOfHeader = packet.RestOfHeader, PayloadLength = payloadLength },
        };
        return true;
    }

    /// <inheritdoc cref="TryParse(Icmpv4Packet, out Icmpv4Repr, out WireError)"/>
    public static bool TryParse(Icmpv4Packet packet, out Icmpv4Repr repr) => TryParse(packet, out repr, out _);

    /// <summary>
    /// Writes the fixed part of the message and the checksum. Write the payload into
    /// <c>buffer[HeaderLength..MessageLength]</c> first: the checksum covers it, over the first
    /// <see cref="MessageLength"/> bytes of the view.
    /// </summary>
    public void Emit(Icmpv4Packet packet)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(PayloadLength);
        var view = new Icmpv4Packet(packet.Buffer[..MessageLength]);
        view.Type = Type;
        view.Code = Code;
        switch (Type)
        {
            case Icmpv4Type.EchoRequest or Icmpv4Type.EchoReply or Icmpv4Type.AddressMaskRequest or Icmpv4Type.AddressMaskReply:
                view.Identifier = Identifier;
                view.SequenceNumber = SequenceNumber;
                if (Type is Icmpv4Type.AddressMaskRequest or Icmpv4Type.AddressMaskReply) view.AddressMask = AddressMask;
                break;
            case Icmpv4Type.Timestamp or Icmpv4Type.TimestampReply:
                view.Identifier = Identifier;
                view.SequenceNumber = SequenceNumber;
                view.OriginateTimestamp = OriginateTimestamp;
                view.ReceiveTimestamp = ReceiveTimestamp;
                view.TransmitTimestamp = TransmitTimestamp;
                break;
            case Icmpv4Type.DestinationUnreachable:
                view.RestOfHeader = NextHopMtu;
                break;
            case Icmpv4Type.TimeExceeded:
                view.RestOfHeader = 0;
                break;
            default:
                view.RestOfHeader = RestOfHeader;
                break;
        }
        view.FillChecksum();
    }
}
