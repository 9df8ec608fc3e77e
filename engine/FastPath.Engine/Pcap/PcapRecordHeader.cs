namespace FastPath.Engine.Pcap;

/// <summary>What a pcap record header says about one captured frame.</summary>
/// <param name="Number">1 for the first record of the file, as Wireshark numbers frames.</param>
/// <param name="Timestamp">When the frame was captured.</param>
/// <param name="CapturedLength">Bytes stored in the file (incl_len).</param>
/// <param name="OriginalLength">Bytes the frame had on the wire (orig_len); more than captured when the snap length cut it.</param>
public readonly record struct PcapRecordHeader(long Number, PcapTimestamp Timestamp, int CapturedLength, int OriginalLength)
{
    /// <summary>True when the capture kept fewer bytes than the frame had.</summary>
    public bool IsCutShort => CapturedLength < OriginalLength;
}
