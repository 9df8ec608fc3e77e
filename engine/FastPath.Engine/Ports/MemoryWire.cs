using FastPath.Engine.Memory;

namespace FastPath.Engine.Ports;

/// <summary>
/// What the two ports of a pair share: both links, and the regions the pair made for itself. A receiver
/// reads the sender's region, so the regions are unmapped only when both ports are disposed.
/// </summary>
internal sealed class MemoryWire
{
    private readonly FrameRegion? _ownedRegionA;
    private readonly FrameRegion? _ownedRegionB;
    private int _openPorts = 2;

    public MemoryWire(FramePool poolA, FramePool poolB, int ringSize, FrameRegion? ownedRegionA, FrameRegion? ownedRegionB)
    {
        AToB = new MemoryLink(poolA, ringSize);
        BToA = new MemoryLink(poolB, ringSize);
        _ownedRegionA = ownedRegionA;
        _ownedRegionB = ownedRegionB;
    }

    public MemoryLink AToB { get; }
    public MemoryLink BToA { get; }

    /// <summary>
    /// Called by each port's Dispose. The second caller is the only thread left on the wire (the interlocked
    /// decrement orders the first port's last ring and pool writes before it), so it may empty every ring
    /// into the pools the frames belong to, and unmap the regions.
    /// </summary>
    public void Close(Span<Packet> scratch)
    {
        if (Interlocked.Decrement(ref _openPorts) != 0) return;
        AToB.ReturnAllToSender(scratch);
        BToA.ReturnAllToSender(scratch);
        _ownedRegionA?.Dispose();
        _ownedRegionB?.Dispose();
    }
}
