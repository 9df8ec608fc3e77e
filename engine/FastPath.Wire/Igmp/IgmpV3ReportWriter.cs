using System.Buffers.Binary;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Igmp;

/// <summary>
/// Builds an IGMPv3 report (RFC 3376 section 4.2) in a caller's buffer, one group record at a time, then
/// writes the header and checksum in <see cref="Complete"/>. Nothing is allocated.
/// </summary>
/// <remarks>
/// <see cref="TryAdd"/> returns false when a record does not fit: RFC 3376 section 4.2.16 has the host
/// send what it has and carry on in a new report, so size the buffer to the IP payload the MTU allows.
/// </remarks>
public ref struct IgmpV3ReportWriter
{
    private readonly Span<byte> _buffer;
    private int _length;
    private int _records;

    public IgmpV3ReportWriter(Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buffer.Length, IgmpPacket.MinimumLength, nameof(buffer));
        _buffer = buffer;
        _length = IgmpPacket.MinimumLength;
        _records = 0;
    }

    /// <summary>Bytes written so far, the 8-byte header included.</summary>
    public readonly int Length => _length;

    public readonly int RecordCount => _records;

    /// <summary>Appends a group record; false, with nothing written, when it does not fit.</summary>
    /// <param name="type">The record type; hosts send 1 to 6.</param>
    /// <param name="group">The multicast address the record is about.</param>
    /// <param name="sources">The record's source list (empty for a plain join or leave).</param>
    /// <param name="auxData">Auxiliary data, a multiple of 4 bytes; IGMPv3 hosts send none (section 4.2.6).</param>
    public bool TryAdd(IgmpGroupRecordType type, Ipv4Address group, ReadOnlySpan<Ipv4Address> sources, ReadOnlySpan<byte> auxData = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sources.Length, (int)ushort.MaxValue, nameof(sources));
        if (auxData.Length % 4 != 0 || auxData.Length > byte.MaxValue * 4)
        {
            throw new ArgumentException("Aux data is counted in 32-bit words, at most 255 of them.", nameof(auxData));
        }
        int length = IgmpGroupRecord.LengthOf(sources.Length, auxData.Length / 4);
        if (length > _buffer.Length - _length || _records == ushort.MaxValue) return false;

        var record = _buffer.Slice(_length, length);
        record[0] = (byte)type;
        record[1] = (byte)(auxData.Length / 4);
        BinaryPrimitives.WriteUInt16BigEndian(record[2..], (ushort)sources.Length);
        group.CopyTo(record[4..]);
        int at = IgmpGroupRecord.FixedLength;
        foreach (var source in sources)
        {
            source.CopyTo(record[at..]);
            at += Ipv4Address.Length;
        }
        auxData.CopyTo(record[at..]);
        _length += length;
        _records++;
        return true;
    }

    /// <summary>Writes the report header and checksum; returns the report's length (the IP payload length).</summary>
    public readonly int Complete()
    {
        IgmpRepr.V3Report(_records, _length - IgmpPacket.MinimumLength).Emit(new IgmpPacket(_buffer));
        return _length;
    }
}
