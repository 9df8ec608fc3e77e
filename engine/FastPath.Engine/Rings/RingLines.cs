using System.Runtime.InteropServices;

namespace FastPath.Engine.Rings;

// The two sides of a ring, each on a 128-byte line of its own (two 64-byte lines: the adjacent-line
// prefetcher pulls them in pairs) with 128 bytes of padding in front. Each side carries its own copy of the
// read-only ring description (slot array, mask), as libxdp's xsk_ring_prod and xsk_ring_cons do, so that
// in the hot path a side touches only its own line, the slots, and the other side's index. A shared
// description would sit at the start of the ring object, next to whatever object the allocator placed
// before it: a neighbour written on every burst (a burst array, say) would then steal that line from both
// cores once per call.
//
// The structs are not nested in the generic rings because the runtime refuses explicit layout on generic
// types (and a struct nested in a generic class is generic); hence the slot array is held as an object and
// cast back without a check by the ring that stored it.

/// <summary>The producer side of a ring: written by producers, read by the consumer only at <see cref="Tail"/>.</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct ProducerLine
{
    /// <summary>The ring's slot array (a <c>T[]</c>). Set once, before the ring is shared.</summary>
    [FieldOffset(128)] public object Slots;
    /// <summary>Slot count minus one. Set once, before the ring is shared.</summary>
    [FieldOffset(136)] public int Mask;
    /// <summary>End of the published items; the consumer reads up to here.</summary>
    [FieldOffset(144)] public long Tail;
    /// <summary>A past value of the consumer's head: a lower bound that spares reading the consumer's line.</summary>
    [FieldOffset(152)] public long CachedHead;
    /// <summary>Multi-producer only: end of the reserved slots, moved by CAS ahead of <see cref="Tail"/>.</summary>
    [FieldOffset(160)] public long Head;
}

/// <summary>The consumer side of a ring: written by the consumer, read by producers only at <see cref="Head"/>.</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct ConsumerLine
{
    /// <summary>The ring's slot array (a <c>T[]</c>). Set once, before the ring is shared.</summary>
    [FieldOffset(128)] public object Slots;
    /// <summary>Slot count minus one. Set once, before the ring is shared.</summary>
    [FieldOffset(136)] public int Mask;
    /// <summary>Next slot to read; slots below it are free for producers.</summary>
    [FieldOffset(144)] public long Head;
    /// <summary>The consumer's last view of the producer tail.</summary>
    [FieldOffset(152)] public long CachedTail;
}
