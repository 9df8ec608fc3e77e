using FastPath.Engine.Memory;
using FastPath.Engine.Pcap;
using FastPath.Wire.Ethernet;

namespace FastPath.Engine.Ports;

/// <summary>
/// A sink port that saves every transmitted frame to a pcap file and frees it: put it where a NIC would be
/// to see exactly what an app sends. Receives nothing.
/// </summary>
public sealed class PcapWriterPort : IPacketPort
{
    private readonly PcapWriter _writer;
    private readonly FrameRegion? _ownedRegion;
    private readonly bool _leaveWriterOpen;
    private PortStats _stats;
    private bool _disposed;

    /// <param name="writer">Where frames go; disposed with the port unless <paramref name="leaveWriterOpen"/>.</param>
    /// <param name="pool">The pool frames to transmit come from (the port frees them to it).</param>
    /// <param name="name">The port's name in <see cref="Info"/>.</param>
    /// <param name="leaveWriterOpen">True to keep <paramref name="writer"/> open on <see cref="Dispose"/>.</param>
    public PcapWriterPort(PcapWriter writer, FramePool pool, string name = "pcap", bool leaveWriterOpen = false)
        : this(writer, pool, name, leaveWriterOpen, ownedRegion: null)
    {
    }

    private PcapWriterPort(PcapWriter writer, FramePool pool, string name, bool leaveWriterOpen, FrameRegion? ownedRegion)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(pool);
        _writer = writer;
        _leaveWriterOpen = leaveWriterOpen;
        _ownedRegion = ownedRegion;
        Pool = pool;
        Info = new PortInfo(name, MacAddress.Zero, 1500, 0, "pcap", "writer");
    }

    /// <summary>Creates the file at <paramref name="path"/> and a pool of <paramref name="frameCount"/> frames the port owns.</summary>
    public static PcapWriterPort Create(string path, int frameCount = 1024, PcapTimestampResolution resolution = PcapTimestampResolution.Microseconds)
    {
        FrameRegion region = FrameRegion.Create(frameCount);
        PcapWriter? writer = null;
        try
        {
            writer = PcapWriter.Create(path, resolution);
            return new PcapWriterPort(writer, new FramePool(region), Path.GetFileName(path), leaveWriterOpen: false, region);
        }
        catch
        {
            writer?.Dispose();
            region.Dispose();
            throw;
        }
    }

    public PortInfo Info { get; }
    public FramePool Pool { get; }
    public PortStats Stats => _stats;
    public PcapWriter Writer => _writer;

    /// <summary>Always 0: a file written to has nothing to receive.</summary>
    public int Receive(Span<Packet> packets)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return 0;
    }

    /// <summary>Writes every frame (stamped with the time of the call) and frees it; takes them all.</summary>
    public int Transmit(ReadOnlySpan<Packet> packets)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (packets.IsEmpty) return 0;
        PcapTimestamp now = PcapTimestamp.Now;
        foreach (ref readonly Packet packet in packets)
        {
            _writer.Write(Pool.Region.GetSpan(packet), now);
            _stats.TxBytes += packet.Length;
            Pool.Free(packet);
        }
        _stats.TxPackets += packets.Length;
        return packets.Length;
    }

    /// <summary>Writes the staged records to the file, so a reader of the file sees them.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _writer.Flush();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_leaveWriterOpen) _writer.Dispose();
        _ownedRegion?.Dispose();
    }
}
