using FastPath.Engine.Pcap;

namespace FastPath.Apps.Generator;

/// <summary>
/// The records of a pcap file held in memory for replay: one contiguous buffer of frames, their lengths and
/// capture times. Loaded once, so a replay (and every loop of it) reads memory, never the file.
/// </summary>
public sealed class CapturedFrames
{
    private readonly byte[] _data;
    private readonly int[] _offsets;
    private readonly int[] _lengths;
    private readonly long[] _times;

    private CapturedFrames(byte[] data, int[] offsets, int[] lengths, long[] times, int cut)
    {
        _data = data;
        _offsets = offsets;
        _lengths = lengths;
        _times = times;
        CutRecords = cut;
    }

    /// <summary>Reads every record of the file at <paramref name="path"/>; each must fit in <paramref name="maxFrameLength"/> bytes.</summary>
    /// <exception cref="InvalidDataException">Not a pcap file of Ethernet frames, no record, a record too large, or more than 1 GiB of frames.</exception>
    public static CapturedFrames Load(string path, int maxFrameLength)
    {
        using PcapReader reader = PcapReader.Open(path);
        if (reader.LinkType != PcapLinkType.Ethernet)
            throw new InvalidDataException($"{path}: link type {(int)reader.LinkType} is not Ethernet; only Ethernet captures can be replayed");
        using var data = new MemoryStream();
        var offsets = new List<int>();
        var lengths = new List<int>();
        var times = new List<long>();
        int cut = 0;
        while (reader.TryReadNext(out PcapRecord record))
        {
            ReadOnlySpan<byte> frame = record.Data;
            if (frame.Length > maxFrameLength)
                throw new InvalidDataException($"{path}: record {record.Header.Number} is {frame.Length} bytes, more than the {maxFrameLength} a frame buffer holds");
            if (data.Length + frame.Length > int.MaxValue / 2)
                throw new InvalidDataException($"{path}: more than 1 GiB of frames; replay a smaller capture (editcap -c splits one)");
            if (record.Header.CapturedLength < record.Header.OriginalLength) cut++;
            offsets.Add((int)data.Length);
            lengths.Add(frame.Length);
            times.Add(record.Header.Timestamp.UnixNanoseconds);
            data.Write(frame);
        }
        if (offsets.Count == 0) throw new InvalidDataException($"{path}: the capture has no frame to replay");
        return new CapturedFrames(data.ToArray(), [.. offsets], [.. lengths], [.. times], cut);
    }

    public int Count => _offsets.Length;

    /// <summary>Records cut short by the capture's snap length: they are replayed as captured.</summary>
    public int CutRecords { get; }

    /// <summary>The largest frame.</summary>
    public int LargestFrame => _lengths.Max();

    public ReadOnlySpan<byte> Frame(int index) => _data.AsSpan(_offsets[index], _lengths[index]);

    /// <summary>Nanoseconds from the first record's capture time to record <paramref name="index"/>'s (never negative: a capture time going back counts as 0).</summary>
    public long OffsetNanoseconds(int index) => Math.Max(0, _times[index] - _times[0]);

    /// <summary>
    /// How long one pass lasts when replayed at its own timing: first to last record, plus the mean gap
    /// between records, so that a loop's first frame does not follow the previous loop's last at once.
    /// </summary>
    public long PassNanoseconds
    {
        get
        {
            long span = OffsetNanoseconds(Count - 1);
            return Count > 1 ? span + span / (Count - 1) : 0;
        }
    }
}
