using FastPath.Engine.Memory;
using FastPath.Engine.Pcap;
using FastPath.Wire.Ethernet;

namespace FastPath.Engine.Ports;

/// <summary>
/// A source port that receives the records of a pcap file, one per frame, as fast as they are asked for
/// (timestamps are not replayed). At the end of the file Receive returns 0 and <see cref="IsAtEnd"/> is set.
/// A record longer than a frame is cut to the frame and counted in RxInvalid; a file cut inside its last
/// record counts that record in RxInvalid too. Transmitted frames are freed and counted in TxDropped.
/// </summary>
public sealed class PcapReaderPort : IPacketPort
{
    private readonly PcapReader _reader;
    private readonly FrameRegion? _ownedRegion;
    private readonly bool _leaveReaderOpen;
    private PortStats _stats;
    private bool _truncationCounted;
    private bool _disposed;

    /// <param name="reader">Where frames come from; disposed with the port unless <paramref name="leaveReaderOpen"/>.</param>
    /// <param name="pool">The pool frames are received into (the caller frees them to it).</param>
    /// <param name="name">The port's name in <see cref="Info"/>.</param>
    /// <param name="leaveReaderOpen">True to keep <paramref name="reader"/> open on <see cref="Dispose"/>.</param>
    public PcapReaderPort(PcapReader reader, FramePool pool, string name = "pcap", bool leaveReaderOpen = false)
        : this(reader, pool, name, leaveReaderOpen, ownedRegion: null)
    {
    }

    private PcapReaderPort(PcapReader reader, FramePool pool, string name, bool leaveReaderOpen, FrameRegion? ownedRegion)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(pool);
        _reader = reader;
        _leaveReaderOpen = leaveReaderOpen;
        _ownedRegion = ownedRegion;
        Pool = pool;
        Info = new PortInfo(name, MacAddress.Zero, 1500, 0, "pcap", "reader");
    }

    /// <summary>Opens the file at <paramref name="path"/> with a pool of <paramref name="frameCount"/> frames the port owns.</summary>
    /// <exception cref="InvalidDataException">The file is not a pcap file.</exception>
    public static PcapReaderPort Open(string path, int frameCount = 1024)
    {
        FrameRegion region = FrameRegion.Create(frameCount);
        PcapReader? reader = null;
        try
        {
            reader = PcapReader.Open(path);
            return new PcapReaderPort(reader, new FramePool(region), Path.GetFileName(path), leaveReaderOpen: false, region);
        }
        catch
        {
            reader?.Dispose();
            region.Dispose();
            throw;
        }
    }

    public PortInfo Info { get; }
    public FramePool Pool { get; }
    public PortStats Stats => _stats;
    public PcapReader Reader => _reader;

    /// <summary>True once every record has been received.</summary>
    public bool IsAtEnd => _reader.IsAtEnd;

    /// <summary>Reads the next records into frames of <see cref="Pool"/>; fewer when the pool runs dry (counted in FillRingEmpty).</summary>
    /// <exception cref="InvalidDataException">A record's length cannot be true: the file is corrupt.</exception>
    public int Receive(Span<Packet> packets)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int received = 0;
        while (received < packets.Length && !_reader.IsAtEnd)
        {
            if (!Pool.TryAllocate(out Packet packet))
            {
                // Unlike a NIC, a file can wait: nothing is lost, the record is read on a later call.
                _stats.FillRingEmpty++;
                break;
            }
            Span<byte> room = Pool.Region.GetWritableSpan(packet);
            if (!_reader.TryReadNext(room, out PcapRecordHeader header))
            {
                Pool.Free(packet);
                CountTruncation();
                break;
            }
            if (header.CapturedLength > room.Length) _stats.RxInvalid++;
            packet.Length = (ushort)Math.Min(header.CapturedLength, room.Length);
            packets[received++] = packet;
            _stats.RxPackets++;
            _stats.RxBytes += packet.Length;
        }
        return received;
    }

    /// <summary>Frees the frames, counted in TxDropped: a file being read has no way out.</summary>
    public int Transmit(ReadOnlySpan<Packet> packets)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Pool.Free(packets);
        _stats.TxDropped += packets.Length;
        return packets.Length;
    }

    public void Flush() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_leaveReaderOpen) _reader.Dispose();
        _ownedRegion?.Dispose();
    }

    private void CountTruncation()
    {
        if (!_reader.Truncated || _truncationCounted) return;
        _truncationCounted = true;
        _stats.RxInvalid++;
    }
}
