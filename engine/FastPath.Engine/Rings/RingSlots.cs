using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastPath.Engine.Rings;

/// <summary>
/// Copies a burst into or out of a power-of-two slot array, wrapping at the end. Shared by the rings so
/// that both pay the same (small) cost per burst: the ring has already proved that the <c>count</c>
/// slots from <c>position</c> are its to touch, so the copies skip the span slicing and its bounds checks.
/// The ring passes its mask rather than letting us read the array's length: the length sits in the array
/// header, on the cache line of the first slots, which the producer keeps writing; the mask sits on the
/// calling side's own line.
/// </summary>
internal static class RingSlots
{
    // Up to this many items a plain loop beats a memmove call (one or two items per TryEnqueue/TryDequeue,
    // a handful in small bursts); above it the vectorised memmove wins.
    private const int LoopThreshold = 8;

    /// <summary>
    /// The slot array of a ring of <paramref name="capacity"/> items: a power of two, at least 2, and small
    /// enough that a whole-ring copy length fits the 32-bit block copy below.
    /// </summary>
    internal static T[] Allocate<T>(int capacity) where T : unmanaged
    {
        if (capacity < 2 || !BitOperations.IsPow2(capacity) || (long)capacity * Unsafe.SizeOf<T>() > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "capacity must be a power of two, at least 2, and under 2 GiB of items");
        return new T[capacity];
    }

    /// <summary>Writes <paramref name="source"/>[0..count) to the slots of positions [position, position + count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Write<T>(T[] slots, int mask, long position, ReadOnlySpan<T> source, int count) where T : unmanaged
    {
        ref T ring = ref MemoryMarshal.GetArrayDataReference(slots);
        ref T src = ref MemoryMarshal.GetReference(source);
        int start = (int)position & mask;
        if (count <= LoopThreshold)
        {
            for (int i = 0; i < count; i++) Unsafe.Add(ref ring, (start + i) & mask) = Unsafe.Add(ref src, i);
            return;
        }
        int first = Math.Min(count, mask + 1 - start);
        Copy(ref Unsafe.Add(ref ring, start), ref src, first);
        if (first < count) Copy(ref ring, ref Unsafe.Add(ref src, first), count - first);
    }

    /// <summary>Reads the slots of positions [position, position + count) into <paramref name="destination"/>[0..count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Read<T>(T[] slots, int mask, long position, Span<T> destination, int count) where T : unmanaged
    {
        ref T ring = ref MemoryMarshal.GetArrayDataReference(slots);
        ref T dst = ref MemoryMarshal.GetReference(destination);
        int start = (int)position & mask;
        if (count <= LoopThreshold)
        {
            for (int i = 0; i < count; i++) Unsafe.Add(ref dst, i) = Unsafe.Add(ref ring, (start + i) & mask);
            return;
        }
        int first = Math.Min(count, mask + 1 - start);
        Copy(ref dst, ref Unsafe.Add(ref ring, start), first);
        if (first < count) Copy(ref Unsafe.Add(ref dst, first), ref ring, count - first);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy<T>(ref T destination, ref T source, int count) where T : unmanaged =>
        Unsafe.CopyBlockUnaligned(
            ref Unsafe.As<T, byte>(ref destination),
            ref Unsafe.As<T, byte>(ref source),
            (uint)(count * Unsafe.SizeOf<T>()));
}
