using System.Buffers.Binary;
using FastPath.Engine.Memory;

namespace FastPath.Engine.Tests.Ports;

/// <summary>
/// Numbered Ethernet frames for port tests: dst 02:00:00:00:00:02, src 02:00:00:00:00:01, EtherType 0x88b5
/// (IEEE 802 local experimental), a 32-bit sequence number, then bytes that depend on it, so a test can
/// tell each frame apart and rebuild the exact bytes it should have.
/// </summary>
internal static class TestFrames
{
    public const int SequenceOffset = 14;

    public static void Fill(Span<byte> frame, int sequence)
    {
        ReadOnlySpan<byte> header = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5];
        header.CopyTo(frame);
        BinaryPrimitives.WriteInt32BigEndian(frame[SequenceOffset..], sequence);
        for (int i = SequenceOffset + 4; i < frame.Length; i++) frame[i] = (byte)(sequence * 31 + i);
    }

    public static byte[] Expected(int sequence, int length)
    {
        var bytes = new byte[length];
        Fill(bytes, sequence);
        return bytes;
    }

    public static Packet Allocate(FramePool pool, int sequence, int length = 64)
    {
        Assert.True(pool.TryAllocate(out Packet packet), "the pool ran out of frames");
        packet.Length = (ushort)length;
        Fill(pool.Region.GetSpan(packet), sequence);
        return packet;
    }

    public static int SequenceOf(FramePool pool, in Packet packet) =>
        BinaryPrimitives.ReadInt32BigEndian(pool.Region.GetSpan(packet)[SequenceOffset..]);

    /// <summary>How many bits differ between two equally long byte strings.</summary>
    public static int BitDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Assert.Equal(a.Length, b.Length);
        int bits = 0;
        for (int i = 0; i < a.Length; i++) bits += System.Numerics.BitOperations.PopCount((uint)(a[i] ^ b[i]));
        return bits;
    }
}
