using System.Numerics;
using FastPath.Engine.Memory;
using FastPath.Engine.Rings;

namespace FastPath.Engine.Ports;

/// <summary>
/// One direction of a memory wire, shaped like an AF_XDP socket's TX and completion rings: the sender puts
/// its frames on <see cref="Frames"/>, the receiver copies each into its own pool and hands the sender's
/// frame back on <see cref="Completions"/>. So each pool is only ever touched by its owner's thread.
/// </summary>
internal sealed class MemoryLink
{
    public MemoryLink(FramePool senderPool, int ringSize)
    {
        SenderPool = senderPool;
        Frames = new SpscRing<Packet>(ringSize);
        // Every sender frame can be on this ring at once and never twice, so a ring as large as the sender's
        // pool never refuses one: the receiver never has to hold a frame back.
        Completions = new SpscRing<Packet>((int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(senderPool.Capacity, 2)));
    }

    /// <summary>The pool the sender's frames belong to (read by the receiver only for its region).</summary>
    public FramePool SenderPool { get; }

    /// <summary>Sender's frames in flight: produced by the sender, consumed by the receiver.</summary>
    public SpscRing<Packet> Frames { get; }

    /// <summary>Sender's frames done with: produced by the receiver, consumed by the sender.</summary>
    public SpscRing<Packet> Completions { get; }

    /// <summary>Returns every frame on both rings to the sender's pool. Only once no port uses the link.</summary>
    public void ReturnAllToSender(Span<Packet> scratch)
    {
        int n;
        while ((n = Frames.DequeueBurst(scratch)) > 0) SenderPool.Free(scratch[..n]);
        while ((n = Completions.DequeueBurst(scratch)) > 0) SenderPool.Free(scratch[..n]);
    }
}
