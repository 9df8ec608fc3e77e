using System.Runtime.InteropServices;

namespace FastPath.Engine.Rings;

// The index lines of the rings. They live outside the generic ring classes because the runtime refuses
// explicit layout on generic types, and a struct nested in a generic class is generic.
//
// Each side's indices own a 128-byte line (two 64-byte lines: the adjacent-line prefetcher pulls them in
// pairs) with 128 bytes of padding in front, so neither the other side's line nor whatever the runtime
// places next to the struct (the slot array reference, the mask) shares it.

/// <summary>The producer side of a ring: written by producers, read by the consumer only at <see cref="Tail"/>.</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct ProducerLine
{
    /// <summary>End of the published items; the consumer reads up to here.</summary>
    [FieldOffset(128)] public long Tail;
    /// <summary>A past value of the consumer's head: a lower bound that spares reading the consumer's line.</summary>
    [FieldOffset(136)] public long CachedHead;
    /// <summary>Multi-producer only: end of the reserved slots, moved by CAS ahead of <see cref="Tail"/>.</summary>
    [FieldOffset(144)] public long Head;
}

/// <summary>The consumer side of a ring: written by the consumer, read by producers only at <see cref="Head"/>.</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct ConsumerLine
{
    /// <summary>Next slot to read; slots below it are free for producers.</summary>
    [FieldOffset(128)] public long Head;
    /// <summary>The consumer's last view of the producer tail.</summary>
    [FieldOffset(136)] public long CachedTail;
}
