using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Igmp;

/// <summary>
/// A view of an IGMP message over the IP payload: the 8-byte messages of IGMPv1 (RFC 1112) and IGMPv2
/// (RFC 2236), the IGMPv3 query of 12 bytes and more, and the IGMPv3 report with its group records
/// (RFC 3376 section 4). The view must span the IPv4 payload: the checksum covers the whole message,
/// including any bytes past the fields (RFC 3376 section 4.1.10).
/// </summary>
/// <remarks>
/// <see cref="TryParse(Span{byte}, out IgmpPacket, out WireError)"/> checks the length of the fixed part,
/// that a v3 query's sources fit, and that every group record of a v3 report fits, so every property,
/// enumerator and <see cref="GetSource"/> within the counts is safe afterwards.
/// </remarks>
public readonly ref struct IgmpPacket
{
    /// <summary>Every IGMP message has type, max response code, checksum and a group address (or, in a v3 report, reserved bytes and a record count).</summary>
    public const int MinimumLength = 8;

    /// <summary>The fixed part of an IGMPv3 query, before its source list.</summary>
    public const int V3QueryHeaderLength = 12;

    private readonly Span<byte> _buffer;

    /// <summary>An unchecked view: the caller guarantees the fixed part of the message fits.</summary>
    public IgmpPacket(Span<byte> buffer) => _buffer = buffer;

    public static bool TryParse(Span<byte> buffer, out IgmpPacket packet, out WireError error)
    {
        error = Check(buffer);
        packet = error == WireError.None ? new IgmpPacket(buffer) : default;
        return error == WireError.None;
    }

    /// <inheritdoc cref="TryParse(Span{byte}, out IgmpPacket, out WireError)"/>
    public static bool TryParse(Span<byte> buffer, out IgmpPacket packet) => TryParse(buffer, out packet, out _);

    internal static WireError Check(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < MinimumLength) return WireError.Truncated;
        switch ((IgmpMessageType)buffer[0])
        {
            case IgmpMessageType.MembershipQuery when buffer.Length > MinimumLength:
                // RFC 3376 section 7.1: a query of 9 to 11 bytes is no version at all and MUST be ignored.
                if (buffer.Length < V3QueryHeaderLength) return WireError.Truncated;
                int sources = NetworkOrder.ReadUInt16(buffer, 10);
                return V3QueryHeaderLength + sources * Ipv4Address.Length > buffer.Length ? WireError.BadField : WireError.None;
            case IgmpMessageType.V3MembershipReport:
                var records = new IgmpGroupRecordEnumerator(buffer[MinimumLength..], NetworkOrder.ReadUInt16(buffer, 6));
                // Walk every record now so that a parsed report never yields a record that runs past it.
                while (records.MoveNext())
                {
                }
                return records.Error;
            default:
                return WireError.None;
        }
    }

    public IgmpMessageType Type
    {
        get => (IgmpMessageType)_buffer[0];
        set => _buffer[0] = (byte)value;
    }

    /// <summary>
    /// Byte 1: unused (0) in IGMPv1, max response time in 1/10 s in an IGMPv2 query, a floating-point
    /// code in an IGMPv3 query (<see cref="IgmpTimeCode"/>), reserved in reports.
    /// </summary>
    public byte MaxResponseCode
    {
        get => _buffer[1];
        set => _buffer[1] = value;
    }

    public ushort Checksum
    {
        get => NetworkOrder.ReadUInt16(_buffer, 2);
        set => NetworkOrder.WriteUInt16(_buffer, 2, value);
    }

    /// <summary>The group a query asks about (0.0.0.0 for a general query) or a v1/v2 report or leave is for. Not in v3 reports.</summary>
    public Ipv4Address GroupAddress
    {
        get => new(_buffer.Slice(4, Ipv4Address.Length));
        set => value.CopyTo(_buffer[4..]);
    }

    /// <summary>The version per RFC 3376 section 7.1: queries by length and max response code, reports by type.</summary>
    public IgmpVersion Version => Type switch
    {
        IgmpMessageType.MembershipQuery when _buffer.Length == MinimumLength => MaxResponseCode == 0 ? IgmpVersion.V1 : IgmpVersion.V2,
        IgmpMessageType.MembershipQuery when _buffer.Length >= V3QueryHeaderLength => IgmpVersion.V3,
        IgmpMessageType.V1MembershipReport => IgmpVersion.V1,
        IgmpMessageType.V2MembershipReport or IgmpMessageType.LeaveGroup => IgmpVersion.V2,
        IgmpMessageType.V3MembershipReport => IgmpVersion.V3,
        _ => IgmpVersion.Unknown,
    };

    /// <summary>The fixed part: 12 bytes for an IGMPv3 query, 8 for everything else.</summary>
    public int HeaderLength => Type == IgmpMessageType.MembershipQuery && _buffer.Length >= V3QueryHeaderLength ? V3QueryHeaderLength : MinimumLength;

    /// <summary>IGMPv3 query, S flag: routers must not update their timers on this query (RFC 3376 section 4.1.5).</summary>
    public bool SuppressRouterProcessing
    {
        get => (_buffer[8] & 0x08) != 0;
        set => _buffer[8] = (byte)(value ? _buffer[8] | 0x08 : _buffer[8] & ~0x08);
    }

    /// <summary>IGMPv3 query, QRV: the querier's robustness variable, 0 when above 7 (RFC 3376 section 4.1.6).</summary>
    public byte QueryRobustnessVariable
    {
        get => (byte)(_buffer[8] & 0x07);
        set => _buffer[8] = (byte)((_buffer[8] & ~0x07) | (value & 0x07));
    }

    /// <summary>IGMPv3 query, QQIC: the querier's query interval as a floating-point code in seconds (RFC 3376 section 4.1.7).</summary>
    public byte QueryIntervalCode
    {
        get => _buffer[9];
        set => _buffer[9] = value;
    }

    /// <summary>IGMPv3 query: how many source addresses follow the fixed part.</summary>
    public ushort NumberOfSources
    {
        get => NetworkOrder.ReadUInt16(_buffer, 10);
        set => NetworkOrder.WriteUInt16(_buffer, 10, value);
    }

    /// <summary>IGMPv3 query: the source list, bounded by <see cref="NumberOfSources"/>.</summary>
    public IgmpSourceEnumerator Sources => new(_buffer.Slice(V3QueryHeaderLength, NumberOfSources * Ipv4Address.Length));

    public Ipv4Address GetSource(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, (int)NumberOfSources);
        return new Ipv4Address(SourceSlot(index));
    }

    /// <summary>Writes a source of an IGMPv3 query; set <see cref="NumberOfSources"/> (or emit the repr) too.</summary>
    public void SetSource(int index, Ipv4Address source) => source.CopyTo(SourceSlot(index));

    /// <summary>IGMPv3 report: how many group records follow the 8-byte header.</summary>
    public ushort NumberOfGroupRecords
    {
        get => NetworkOrder.ReadUInt16(_buffer, 6);
        set => NetworkOrder.WriteUInt16(_buffer, 6, value);
    }

    /// <summary>IGMPv3 report: the group records; check the enumerator's Error after the walk on an unchecked view.</summary>
    public IgmpGroupRecordEnumerator GroupRecords => new(_buffer[MinimumLength..], NumberOfGroupRecords);

    internal Span<byte> Buffer => _buffer;

    /// <summary>True when the whole message, checksum included, sums to 0xFFFF.</summary>
    public bool VerifyChecksum() => InternetChecksum.IsValid(_buffer);

    /// <summary>Computes the checksum over the whole view.</summary>
    public void FillChecksum()
    {
        Checksum = 0;
        Checksum = InternetChecksum.Compute(_buffer);
    }

    private Span<byte> SourceSlot(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return _buffer.Slice(V3QueryHeaderLength + index * Ipv4Address.Length, Ipv4Address.Length);
    }
}
