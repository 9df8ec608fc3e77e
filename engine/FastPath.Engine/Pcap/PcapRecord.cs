namespace FastPath.Engine.Pcap;

/// <summary>
/// One record read by <see cref="PcapReader.TryReadNext(out PcapRecord)"/>: its header and its bytes. The
/// bytes live in the reader's buffer and are valid until the next read.
/// </summary>
public readonly ref struct PcapRecord
{
    public PcapRecord(PcapRecordHeader header, ReadOnlySpan<byte> data)
    {
        Header = header;
        Data = data;
    }

    public PcapRecordHeader Header { get; }

    /// <summary>The captured bytes (<see cref="CapturedLength"/> of them).</summary>
    public ReadOnlySpan<byte> Data { get; }

    public long Number => Header.Number;
    public PcapTimestamp Timestamp => Header.Timestamp;
    public int CapturedLength => Header.CapturedLength;
    public int OriginalLength => Header.OriginalLength;
}
