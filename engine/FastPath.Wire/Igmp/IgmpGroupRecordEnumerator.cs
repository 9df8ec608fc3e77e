using System.Buffers.Binary;

namespace FastPath.Wire.Igmp;

/// <summary>
/// Walks the group records of an IGMPv3 report: <c>foreach (var record in packet.GroupRecords)</c>. Each
/// record's length (fixed part, sources, aux data) is checked before it is yielded.
/// </summary>
/// <remarks>
/// A record that runs past the message ends the walk with <see cref="Error"/> set to
/// <see cref="WireError.BadField"/>: the record count or a source count promises more than the packet holds.
/// Bytes after the last counted record are ignored.
/// </remarks>
public ref struct IgmpGroupRecordEnumerator
{
    private readonly ReadOnlySpan<byte> _records;
    private int _remaining;
    private int _offset;

    /// <param name="records">The bytes after the report's 8-byte header.</param>
    /// <param name="count">The report's Number of Group Records.</param>
    internal IgmpGroupRecordEnumerator(ReadOnlySpan<byte> records, int count)
    {
        _records = records;
        _remaining = count;
        _offset = 0;
        Current = default;
        Error = WireError.None;
    }

    public IgmpGroupRecord Current { get; private set; }

    public WireError Error { get; private set; }

    /// <summary>Bytes taken by the records yielded so far.</summary>
    internal readonly int Consumed => _offset;

    public readonly IgmpGroupRecordEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_remaining == 0) return false;
        var rest = _records[_offset..];
        if (rest.Length < IgmpGroupRecord.FixedLength) return Fail();
        int length = IgmpGroupRecord.LengthOf(BinaryPrimitives.ReadUInt16BigEndian(rest[2..]), rest[1]);
        if (length > rest.Length) return Fail();
        Current = new IgmpGroupRecord(rest[..length]);
        _offset += length;
        _remaining--;
        return true;
    }

    private bool Fail()
    {
        Error = WireError.BadField;
        _remaining = 0;
        Current = default;
        return false;
    }
}
