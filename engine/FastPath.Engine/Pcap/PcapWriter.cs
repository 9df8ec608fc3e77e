using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace FastPath.Engine.Pcap;

/// <summary>
/// Writes a classic libpcap file (version 2.4) that tcpdump, Wireshark and tshark read. Records are staged in
/// one reusable buffer and reach the stream in large writes, so writing a record allocates nothing. Not
/// thread-safe: one writer per thread, like the ports that feed it.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _buffered;
    private bool _disposed;

    /// <summary>Writes the global header to <paramref name="stream"/> (it reaches the stream on the first flush).</summary>
    /// <param name="stream">Where the file goes; written sequentially, never sought.</param>
    /// <param name="resolution">Microseconds (the classic magic every reader knows) or nanoseconds.</param>
    /// <param name="snapLength">Records are cut to this many bytes; the original length is kept in the record.</param>
    /// <param name="linkType">How readers decode the records.</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open on <see cref="Dispose"/>.</param>
    public PcapWriter(
        Stream stream,
        PcapTimestampResolution resolution = PcapTimestampResolution.Microseconds,
        int snapLength = PcapFormat.DefaultSnapLength,
        PcapLinkType linkType = PcapLinkType.Ethernet,
        bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("the stream is not writable", nameof(stream));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(snapLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(snapLength, PcapFormat.MaxRecordLength);
        if (resolution is not (PcapTimestampResolution.Microseconds or PcapTimestampResolution.Nanoseconds))
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "unknown timestamp resolution");
        _stream = stream;
        _leaveOpen = leaveOpen;
        Resolution = resolution;
        SnapLength = snapLength;
        LinkType = linkType;
        WriteGlobalHeader(_buffer);
        _buffered = PcapFormat.GlobalHeaderLength;
    }

    /// <summary>Creates (or truncates) the file at <paramref name="path"/>.</summary>
    public static PcapWriter Create(
        string path,
        PcapTimestampResolution resolution = PcapTimestampResolution.Microseconds,
        int snapLength = PcapFormat.DefaultSnapLength,
        PcapLinkType linkType = PcapLinkType.Ethernet)
    {
        // bufferSize 0: this writer already batches records, a second buffer would only copy them again.
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        try
        {
            return new PcapWriter(stream, resolution, snapLength, linkType);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public PcapTimestampResolution Resolution { get; }
    public int SnapLength { get; }
    public PcapLinkType LinkType { get; }

    /// <summary>Records written so far.</summary>
    public long RecordCount { get; private set; }

    /// <summary>Records a frame captured now.</summary>
    public void Write(ReadOnlySpan<byte> frame) => Write(frame, PcapTimestamp.Now, frame.Length);

    /// <summary>Records a frame captured at <paramref name="timestamp"/>.</summary>
    public void Write(ReadOnlySpan<byte> frame, PcapTimestamp timestamp) => Write(frame, timestamp, frame.Length);

    /// <summary>
    /// Records the first bytes of a frame that was <paramref name="originalLength"/> bytes long on the wire
    /// (a capture cut short by the caller). The record keeps at most <see cref="SnapLength"/> bytes.
    /// </summary>
    public void Write(ReadOnlySpan<byte> frame, PcapTimestamp timestamp, int originalLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (originalLength < frame.Length) ThrowOriginalTooShort(originalLength, frame.Length);
        if ((ulong)timestamp.Seconds > uint.MaxValue) ThrowTimestampOutOfRange(timestamp);

        int captured = Math.Min(frame.Length, SnapLength);
        if (_buffer.Length - _buffered < PcapFormat.RecordHeaderLength + captured) FlushBuffer();

        Span<byte> header = _buffer.AsSpan(_buffered, PcapFormat.RecordHeaderLength);
        uint fraction = Resolution == PcapTimestampResolution.Nanoseconds ? timestamp.Nanoseconds : timestamp.Microseconds;
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)timestamp.Seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], fraction);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)captured);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)originalLength);
        _buffered += PcapFormat.RecordHeaderLength;

        if (captured <= _buffer.Length - _buffered)
        {
            frame[..captured].CopyTo(_buffer.AsSpan(_buffered));
            _buffered += captured;
        }
        else
        {
            // Only a record larger than the whole staging buffer (a snap length above 64 KiB) gets here.
            FlushBuffer();
            _stream.Write(frame[..captured]);
        }
        RecordCount++;
    }

    /// <summary>Hands the staged records to the stream and flushes it, so readers of the file see them.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        FlushBuffer();
        _stream.Flush();
    }

    public void Dispose()
    {
        if (_disposed) return;
        try
        {
            FlushBuffer();
            _stream.Flush();
        }
        finally
        {
            _disposed = true;
            if (!_leaveOpen) _stream.Dispose();
        }
    }

    private void FlushBuffer()
    {
        if (_buffered == 0) return;
        _stream.Write(_buffer, 0, _buffered);
        _buffered = 0;
    }

    // libpcap writes in host byte order and every reader checks the magic; we fix little-endian so that the
    // same capture gives the same bytes on every host.
    private void WriteGlobalHeader(Span<byte> header)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, Resolution == PcapTimestampResolution.Nanoseconds ? PcapFormat.MagicNanoseconds : PcapFormat.MagicMicroseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], PcapFormat.VersionMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], PcapFormat.VersionMinor);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);   // thiszone: GMT, the only value in use
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0); // sigfigs: always 0
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)LinkType);
    }

    [DoesNotReturn]
    private static void ThrowOriginalTooShort(int originalLength, int length) =>
        throw new ArgumentOutOfRangeException(nameof(originalLength), originalLength, $"the original length is shorter than the {length} bytes given");

    [DoesNotReturn]
    private static void ThrowTimestampOutOfRange(PcapTimestamp timestamp) =>
        throw new ArgumentOutOfRangeException(nameof(timestamp), timestamp, "pcap stores seconds as an unsigned 32-bit count since 1970 (1970..2106)");
}
