using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace FastPath.Engine.Pcap;

/// <summary>
/// Reads a classic libpcap file written in either byte order, at microsecond or nanosecond resolution.
/// <code>
/// using var reader = PcapReader.Open(path);
/// while (reader.TryReadNext(out PcapRecord record)) { ReadOnlySpan&lt;byte&gt; frame = record.Data; ... }
/// if (reader.Truncated) { /* the capture was cut inside its last record */ }
/// </code>
/// A file that is not pcap, or a record whose length cannot be true, is an <see cref="InvalidDataException"/>;
/// a file that simply stops inside the last record (a capture killed mid-write) is not: the reader ends
/// there and sets <see cref="Truncated"/>.
/// </summary>
public sealed class PcapReader : IDisposable
{
    private const int InitialBufferSize = 4096;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly bool _swapped;
    private readonly int _recordLimit;
    private byte[] _buffer = new byte[InitialBufferSize];
    private bool _disposed;

    /// <summary>Reads the global header from <paramref name="stream"/>.</summary>
    /// <param name="stream">The file, read sequentially.</param>
    /// <param name="name">How messages name the file (its path, usually).</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open on <see cref="Dispose"/>.</param>
    /// <exception cref="InvalidDataException">The stream does not start with a pcap global header.</exception>
    public PcapReader(Stream stream, string name = "stream", bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (!stream.CanRead) throw new ArgumentException("the stream is not readable", nameof(stream));
        _stream = stream;
        _leaveOpen = leaveOpen;
        Name = name;

        Span<byte> header = stackalloc byte[PcapFormat.GlobalHeaderLength];
        int length = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        uint magic = length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(header) : 0;
        (_swapped, Resolution) = magic switch
        {
            PcapFormat.MagicMicroseconds => (false, PcapTimestampResolution.Microseconds),
            PcapFormat.MagicNanoseconds => (false, PcapTimestampResolution.Nanoseconds),
            _ when BinaryPrimitives.ReverseEndianness(magic) == PcapFormat.MagicMicroseconds => (true, PcapTimestampResolution.Microseconds),
            _ when BinaryPrimitives.ReverseEndianness(magic) == PcapFormat.MagicNanoseconds => (true, PcapTimestampResolution.Nanoseconds),
            _ => throw NotPcap(header[..length]),
        };
        if (length < header.Length)
            throw new InvalidDataException($"{name} is not a pcap file: it ends after {length} bytes, inside the {PcapFormat.GlobalHeaderLength}-byte global header");

        VersionMajor = ReadUInt16(header[4..]);
        VersionMinor = ReadUInt16(header[6..]);
        if (VersionMajor != PcapFormat.VersionMajor)
            throw new InvalidDataException($"{name} has pcap version {VersionMajor}.{VersionMinor}; only version 2.x exists");
        uint snapLength = ReadUInt32(header[16..]);
        SnapLength = (int)Math.Min(snapLength, int.MaxValue);
        LinkType = (PcapLinkType)ReadUInt32(header[20..]);
        IsBigEndian = _swapped; // fields are read little-endian, so a swap means the writer was big-endian
        // A snap length of 0 (some writers leave it unset) or above the sanity bound promises nothing.
        _recordLimit = snapLength is 0 or > PcapFormat.MaxRecordLength ? PcapFormat.MaxRecordLength : (int)snapLength;
    }

    /// <summary>Opens the file at <paramref name="path"/> and reads its global header.</summary>
    /// <exception cref="InvalidDataException">The file is not a pcap file.</exception>
    public static PcapReader Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 64 * 1024, FileOptions.SequentialScan);
        try
        {
            return new PcapReader(stream, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The file's name in messages.</summary>
    public string Name { get; }
    public PcapTimestampResolution Resolution { get; }
    /// <summary>True when the file was written big-endian (on a big-endian host, or by hand).</summary>
    public bool IsBigEndian { get; }
    public int VersionMajor { get; }
    public int VersionMinor { get; }
    public int SnapLength { get; }
    public PcapLinkType LinkType { get; }

    /// <summary>Records returned so far.</summary>
    public long RecordsRead { get; private set; }

    /// <summary>True once a read found the end of the file (cleanly or inside a record).</summary>
    public bool IsAtEnd { get; private set; }

    /// <summary>True when the file ends inside a record: that partial record is not returned.</summary>
    public bool Truncated { get; private set; }

    /// <summary>
    /// Reads the next record into the reader's buffer. False at the end of the file (check <see cref="Truncated"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">The record's length is larger than the snap length or 256 KiB.</exception>
    public bool TryReadNext(out PcapRecord record)
    {
        if (!TryReadHeader(out PcapRecordHeader header))
        {
            record = default;
            return false;
        }
        if (_buffer.Length < header.CapturedLength)
            _buffer = new byte[Math.Min((int)BitOperations.RoundUpToPowerOf2((uint)header.CapturedLength), PcapFormat.MaxRecordLength)];
        Span<byte> data = _buffer.AsSpan(0, header.CapturedLength);
        if (!TryFill(data))
        {
            record = default;
            return false;
        }
        RecordsRead++;
        record = new PcapRecord(header, data);
        return true;
    }

    /// <summary>
    /// Reads the next record into <paramref name="destination"/>: its first
    /// <c>Math.Min(header.CapturedLength, destination.Length)</c> bytes, skipping the rest, so a caller sees
    /// a cut by comparing <see cref="PcapRecordHeader.CapturedLength"/> with the room it gave.
    /// False at the end of the file (check <see cref="Truncated"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">The record's length is larger than the snap length or 256 KiB.</exception>
    public bool TryReadNext(Span<byte> destination, out PcapRecordHeader header)
    {
        if (!TryReadHeader(out header)) return false;
        int copied = Math.Min(header.CapturedLength, destination.Length);
        if (!TryFill(destination[..copied]) || !TrySkip(header.CapturedLength - copied))
        {
            header = default;
            return false;
        }
        RecordsRead++;
        return true;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_leaveOpen) _stream.Dispose();
    }

    private bool TryReadHeader(out PcapRecordHeader header)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        header = default;
        if (IsAtEnd) return false;

        Span<byte> raw = stackalloc byte[PcapFormat.RecordHeaderLength];
        int length = _stream.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        if (length < raw.Length)
        {
            IsAtEnd = true;
            Truncated = length > 0;
            return false;
        }

        long number = RecordsRead + 1;
        uint seconds = ReadUInt32(raw);
        uint fraction = ReadUInt32(raw[4..]);
        uint captured = ReadUInt32(raw[8..]);
        uint original = ReadUInt32(raw[12..]);
        if (captured > (uint)_recordLimit) ThrowRecordTooLong(number, captured);

        // Some writers let the fraction reach a whole second; carry it rather than reject the file.
        long fractionNanoseconds = Resolution == PcapTimestampResolution.Nanoseconds ? fraction : fraction * 1000L;
        var timestamp = PcapTimestamp.FromUnixNanoseconds(seconds * 1_000_000_000L + fractionNanoseconds);
        header = new PcapRecordHeader(number, timestamp, (int)captured, (int)Math.Min(original, int.MaxValue));
        return true;
    }

    private bool TryFill(Span<byte> destination)
    {
        if (_stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false) == destination.Length) return true;
        IsAtEnd = true;
        Truncated = true;
        return false;
    }

    private bool TrySkip(int count)
    {
        while (count > 0)
        {
            int chunk = Math.Min(count, _buffer.Length);
            if (!TryFill(_buffer.AsSpan(0, chunk))) return false;
            count -= chunk;
        }
        return true;
    }

    private ushort ReadUInt16(ReadOnlySpan<byte> bytes)
    {
        ushort value = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        return _swapped ? BinaryPrimitives.ReverseEndianness(value) : value;
    }

    private uint ReadUInt32(ReadOnlySpan<byte> bytes)
    {
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        return _swapped ? BinaryPrimitives.ReverseEndianness(value) : value;
    }

    private InvalidDataException NotPcap(ReadOnlySpan<byte> start)
    {
        if (start.Length < 4)
            return new InvalidDataException($"{Name} is not a pcap file ({start.Length} bytes, shorter than the {PcapFormat.GlobalHeaderLength}-byte pcap header)");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(start);
        if (magic == PcapFormat.PcapNgMagic)
            return new InvalidDataException($"{Name} is a pcapng file, not a classic pcap file (convert it: editcap -F pcap {Name} out.pcap)");
        return new InvalidDataException($"{Name} is not a pcap file (magic 0x{magic:x8})");
    }

    [DoesNotReturn]
    private void ThrowRecordTooLong(long number, uint captured) =>
        throw new InvalidDataException(_recordLimit == SnapLength
            ? $"{Name}: record {number} claims {captured} captured bytes, more than the file's snap length {SnapLength}: the file is corrupt"
            : $"{Name}: record {number} claims {captured} captured bytes, more than {PcapFormat.MaxRecordLength}: the file is corrupt");
}
