using System.Buffers.Binary;
using System.Diagnostics;
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

    /// <summary>
    /// Reads a field that lies inside the first <paramref name="guaranteedLength"/> bytes, the fixed header
    /// every checked view has. The check compares the length with that constant, the very compare TryParse
    /// made, so after a successful TryParse the JIT's redundant-branch pass removes it; on a view made
    /// unchecked over a short buffer (or a default view) it still throws instead of reading past the end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ReadUInt16(ReadOnlySpan<byte> buffer, int offset, int guaranteedLength)
    {
        Debug.Assert(offset + sizeof(ushort) <= guaranteedLength);
        if (buffer.Length < guaranteedLength) ThrowOutOfRange();
        return BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref MemoryMarshal.GetReference(buffer), (nint)(uint)offset)));
    }

    /// <inheritdoc cref="ReadUInt16(ReadOnlySpan{byte}, int, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ReadUInt32(ReadOnlySpan<byte> buffer, int offset, int guaranteedLength)
    {
        Debug.Assert(offset + sizeof(uint) <= guaranteedLength);
        if (buffer.Length < guaranteedLength) ThrowOutOfRange();
        return BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref MemoryMarshal.GetReference(buffer), (nint)(uint)offset)));
    }

    /// <inheritdoc cref="ReadUInt16(ReadOnlySpan{byte}, int, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte ReadByte(ReadOnlySpan<byte> buffer, int offset, int guaranteedLength)
    {
        Debug.Assert(offset < guaranteedLength);
        if (buffer.Length < guaranteedLength) ThrowOutOfRange();
        return Unsafe.Add(ref MemoryMarshal.GetReference(buffer), (nint)(uint)offset);
    }

    [DoesNotReturn]
    private static void ThrowOutOfRange() => throw new ArgumentOutOfRangeException("offset", "field past the end of the buffer: the view was made unchecked over a buffer too small for it");
}
