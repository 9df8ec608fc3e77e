using System.Runtime.CompilerServices;

namespace FastPath.Engine.Memory;

/// <summary>
/// A handle on one frame of a <see cref="FrameRegion"/> and the bytes of a packet inside it, like DPDK's
/// mbuf without the metadata: 8 bytes, so a burst of 64 is one cache line pair and rings copy it cheaply.
/// The bytes are reached through the region (<see cref="FrameRegion.GetSpan"/>); whoever holds the handle
/// owns the frame until it gives it to a port or back to its pool.
/// </summary>
public struct Packet : IEquatable<Packet>
{
    /// <summary>Index of the frame in its region.</summary>
    public uint Frame;
    /// <summary>Where the packet's first byte is, from the start of the frame. The bytes before it are headroom.</summary>
    public ushort Offset;
    /// <summary>Bytes of packet data from <see cref="Offset"/>.</summary>
    public ushort Length;

    public Packet(uint frame, ushort offset, ushort length)
    {
        Frame = frame;
        Offset = offset;
        Length = length;
    }

    /// <summary>Headroom left in front of the data for prepending headers.</summary>
    public readonly int Headroom => Offset;

    /// <summary>Grows the packet at the front by <paramref name="bytes"/> (for a header). False if the headroom is too small.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPrepend(int bytes)
    {
        if ((uint)bytes > Offset) return false;
        Offset -= (ushort)bytes;
        Length += (ushort)bytes;
        return true;
    }

    /// <summary>Removes <paramref name="bytes"/> from the front (a parsed header). False if the packet is shorter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryTrimFront(int bytes)
    {
        if ((uint)bytes > Length) return false;
        Offset += (ushort)bytes;
        Length -= (ushort)bytes;
        return true;
    }

    public readonly bool Equals(Packet other) => Frame == other.Frame && Offset == other.Offset && Length == other.Length;
    public override readonly bool Equals(object? obj) => obj is Packet other && Equals(other);
    public override readonly int GetHashCode() => HashCode.Combine(Frame, Offset, Length);
    public static bool operator ==(Packet left, Packet right) => left.Equals(right);
    public static bool operator !=(Packet left, Packet right) => !left.Equals(right);
    public override readonly string ToString() => $"frame {Frame} [{Offset}..{Offset + Length})";
}
