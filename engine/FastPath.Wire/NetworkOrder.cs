using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastPath.Wire;

/// <summary>
/// Big-endian field access at an offset with ONE bounds check. <c>BinaryPrimitives.ReadUInt16BigEndian(span[o..])</c>
/// checks twice (the slice, then the read); on a classify path that reads a dozen fields per frame the
/// second checks are a third of the instructions. With a constant offset the JIT folds the check to one
/// compare of the length, and a view whose length was validated by TryParse lets it drop even that.
/// </summary>
internal static class NetworkOrder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ReadUInt16(ReadOnlySpan<byte> buffer, int offset)
    {
        if ((ulong)(uint)offset + sizeof(ushort) > (uint)buffer.Length) ThrowOutOfRange();
        return BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref MemoryMarshal.GetReference(buffer), (nint)(uint)offset)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ReadUInt32(ReadOnlySpan<byte> buffer, int offset)
    {
        if ((ulong)(uint)offset + sizeof(uint) > (uint)buffer.Length) ThrowOutOfRange();
        return BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref MemoryMarshal.GetReference(buffer), (nint)(uint)offset)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteUInt16(Span<byte> buffer, int offset, ushort value)
    {
        if ((ulong)(uint)offset + sizeof(ushort) > (uint)buffer.Length) ThrowOutOfRange();
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref MemoryMarshal.GetReference(buffer), (nint)(uint)offset), BinaryPrimitives.ReverseEndianness(value));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteUInt32(Span<byte> buffer, int offset, uint value)
    {
        if ((ulong)(uint)offset + sizeof(uint) > (uint)buffer.Length) ThrowOutOfRange();
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref MemoryMarshal.GetReference(buffer), (nint)(uint)offset), BinaryPrimitives.ReverseEndianness(value));
    }

    [DoesNotReturn]
    private static void ThrowOutOfRange() => throw new ArgumentOutOfRangeException("offset", "field past the end of the buffer: the view was made unchecked over a buffer too small for it");
}
