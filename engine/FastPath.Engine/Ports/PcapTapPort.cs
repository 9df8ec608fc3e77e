using FastPath.Engine.Memory;
using FastPath.Engine.Pcap;

namespace FastPath.Engine.Ports;

/// <summary>
/// Wraps a port and records what passes through it into a pcap file, like tcpdump on the interface, then
/// passes everything on unchanged. Both directions go to the same file by default (classic pcap has no
/// direction field: give each direction its own tap and writer to tell them apart).
/// </summary>
public sealed class PcapTapPort : IPacketPort
{
    private readonly IPacketPort _inner;
    private readonly PcapWriter _writer;
    private readonly PortDirections _directions;
    private readonly bool _leaveOpen;
    private byte[] _staging = [];
    private int[] _stagedLengths = [];
    private bool _disposed;

    /// <param name="inner">The port to watch; disposed with the tap unless <paramref name="leaveOpen"/>.</param>
    /// <param name="writer">Where the records go; disposed with the tap unless <paramref name="leaveOpen"/>.</param>
    /// <param name="directions">Which directions to record.</param>
    /// <param name="leaveOpen">True to keep <paramref name="inner"/> and <paramref name="writer"/> open on <see cref="Dispose"/>.</param>
    public PcapTapPort(IPacketPort inner, PcapWriter writer, PortDirections directions = PortDirections.Both, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(writer);
        _inner = inner;
        _writer = writer;
        _directions = directions;
        _leaveOpen = leaveOpen;
    }

    public IPacketPort Inner => _inner;
    public PcapWriter Writer => _writer;
    public PortInfo Info => _inner.Info;
    public FramePool Pool => _inner.Pool;
    public PortStats Stats => _inner.Stats;
    public PortLink Link => _inner.Link;
    public PortLink CheckLink() => _inner.CheckLink();

    public int Receive(Span<Packet> packets)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int received = _inner.Receive(packets);
        if (received > 0 && _directions.HasFlag(PortDirections.Receive))
        {
            PcapTimestamp now = PcapTimestamp.Now;
            FrameRegion region = Pool.Region;
            foreach (ref readonly Packet packet in packets[..received]) _writer.Write(region.GetSpan(packet), now);
        }
        return received;
    }

    /// <summary>
    /// Records the frames the inner port accepts, as they were handed over. They are copied first: once
    /// accepted a frame is the inner port's, which may change it (a fault injector corrupts in place) or
    /// free and reuse it before Transmit returns; and the frames it refuses are not recorded, because the
    /// caller will offer them again.
    /// </summary>
    public int Transmit(ReadOnlySpan<Packet> packets)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_directions.HasFlag(PortDirections.Transmit) || packets.IsEmpty) return _inner.Transmit(packets);

        PcapTimestamp now = PcapTimestamp.Now;
        Stage(packets);
        int accepted = _inner.Transmit(packets);
        int offset = 0;
        for (int i = 0; i < accepted; i++)
        {
            _writer.Write(_staging.AsSpan(offset, _stagedLengths[i]), now);
            offset += _stagedLengths[i];
        }
        return accepted;
    }

    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _inner.Flush();
        _writer.Flush();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_leaveOpen) return;
        _inner.Dispose();
        _writer.Dispose();
    }

    private void Stage(ReadOnlySpan<Packet> packets)
    {
        // The staging arrays grow to the largest burst seen and stay: no allocation once warm.
        int total = 0;
        foreach (ref readonly Packet packet in packets) total += packet.Length;
        if (_staging.Length < total) _staging = new byte[Math.Max(total, _staging.Length * 2)];
        if (_stagedLengths.Length < packets.Length) _stagedLengths = new int[Math.Max(packets.Length, _stagedLengths.Length * 2)];

        FrameRegion region = Pool.Region;
        int offset = 0;
        for (int i = 0; i < packets.Length; i++)
        {
            region.GetSpan(packets[i]).CopyTo(_staging.AsSpan(offset));
            _stagedLengths[i] = packets[i].Length;
            offset += packets[i].Length;
        }
    }
}
