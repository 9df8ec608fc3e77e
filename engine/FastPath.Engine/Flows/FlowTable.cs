using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace FastPath.Engine.Flows;

/// <summary>
/// One worker's flows: an open-addressing hash table keyed by <see cref="FlowKey"/>, with linear probing
/// and backward-shift deletion (Knuth's algorithm R), so there are no tombstones and a lookup stops at the
/// first empty slot however many flows came and went. Capacity is fixed at construction (the slot array is
/// a power of two at most 3/4 full when the table is), nothing allocates afterwards, and there are no locks:
/// one worker owns it.
/// <para>
/// A large table of values without references (the usual case: an index or a small struct of flow state)
/// lives in native memory on 2 MB huge pages, so random lookups do not pay a TLB miss each; dispose the
/// table to unmap it (a finalizer does it otherwise). Smaller tables, and values holding references, use an
/// ordinary array.
/// </para>
/// </summary>
public sealed class FlowTable<TValue> : IDisposable
{
    // Slot arrays from this size on go to huge pages: below it they fit the TLB's reach anyway.
    private const long HugePageThresholdBytes = 1L << 20;

    private readonly int _mask;
    private Entry[]? _managed;
    private nint _native;
    private nint _mapping;
    private nuint _mappingLength;

    /// <param name="capacity">The most flows the table holds; <see cref="TryAdd"/> says <see cref="FlowAddResult.Full"/> beyond it.</param>
    public FlowTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 28);
        Capacity = capacity;
        // Load factor at most 0.75 when full: linear probing's expected probe count grows as 1/(1-load)^2
        // for misses, so the last quarter is where it would blow up.
        int slots = Math.Max((int)BitOperations.RoundUpToPowerOf2((uint)(capacity + (capacity + 2) / 3)), 2);
        SlotCount = slots;
        _mask = slots - 1;
        long bytes = (long)slots * Unsafe.SizeOf<Entry>();
        if (!RuntimeHelpers.IsReferenceOrContainsReferences<TValue>() && bytes >= HugePageThresholdBytes)
            _native = HugePageMemory.Allocate((nuint)bytes, out _mapping, out _mappingLength);
        else
            _managed = new Entry[slots];
    }

    ~FlowTable() => FreeNative();

    public int Count { get; private set; }

    public int Capacity { get; }

    /// <summary>Slots in the table (a power of two).</summary>
    public int SlotCount { get; }

    /// <summary>True when the slots live on (requested) huge pages rather than in a managed array.</summary>
    public bool UsesNativeMemory => _native != 0;

    public bool IsFull => Count == Capacity;

    /// <summary>Adds <paramref name="key"/> with <paramref name="value"/> unless it is present or the table is full.</summary>
    public FlowAddResult TryAdd(in FlowKey key, TValue value)
    {
        ref TValue slot = ref GetValueRefOrAddDefault(key, out bool exists);
        if (exists) return FlowAddResult.AlreadyPresent;
        if (Unsafe.IsNullRef(ref slot)) return FlowAddResult.Full;
        slot = value;
        return FlowAddResult.Added;
    }

    public bool ContainsKey(in FlowKey key) => !Unsafe.IsNullRef(ref GetValueRefOrNullRef(key));

    public bool TryGetValue(in FlowKey key, out TValue value)
    {
        ref TValue found = ref GetValueRefOrNullRef(key);
        if (Unsafe.IsNullRef(ref found))
        {
            value = default!;
            return false;
        }
        value = found;
        return true;
    }

    /// <summary>The value of <paramref name="key"/> to read or update in place, or a null ref (<see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>) when absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TValue GetValueRefOrNullRef(in FlowKey key)
    {
        uint hash = HashOf(key);
        ref Entry entries = ref First;
        int mask = _mask;
        int slot = (int)hash & mask;
        while (true)
        {
            ref Entry entry = ref Unsafe.Add(ref entries, slot);
            // The table is never completely full (load <= 3/4), so an empty slot ends every probe.
            if (entry.Hash == 0) return ref Unsafe.NullRef<TValue>();
            if (entry.Hash == hash && entry.Key.Equals(key)) return ref entry.Value;
            slot = (slot + 1) & mask;
        }
    }

    /// <summary>
    /// The value of <paramref name="key"/>, added with the default value if absent (<paramref name="exists"/>
    /// says which). A null ref when absent and the table is full.
    /// </summary>
    public ref TValue GetValueRefOrAddDefault(in FlowKey key, out bool exists)
    {
        uint hash = HashOf(key);
        ref Entry entries = ref First;
        int slot = (int)hash & _mask;
        while (true)
        {
            ref Entry entry = ref Unsafe.Add(ref entries, slot);
            if (entry.Hash == 0) break;
            if (entry.Hash == hash && entry.Key.Equals(key))
            {
                exists = true;
                return ref entry.Value;
            }
            slot = (slot + 1) & _mask;
        }
        exists = false;
        if (Count == Capacity) return ref Unsafe.NullRef<TValue>();
        ref Entry free = ref Unsafe.Add(ref entries, slot);
        free.Hash = hash;
        free.Key = key;
        free.Value = default!;
        Count++;
        return ref free.Value;
    }

    public bool Remove(in FlowKey key) => Remove(key, out _);

    public bool Remove(in FlowKey key, out TValue value)
    {
        uint hash = HashOf(key);
        ref Entry entries = ref First;
        int slot = (int)hash & _mask;
        while (true)
        {
            ref Entry entry = ref Unsafe.Add(ref entries, slot);
            if (entry.Hash == 0)
            {
                value = default!;
                return false;
            }
            if (entry.Hash == hash && entry.Key.Equals(key)) break;
            slot = (slot + 1) & _mask;
        }
        value = Unsafe.Add(ref entries, slot).Value;
        RemoveAt(ref entries, slot);
        Count--;
        return true;
    }

    /// <summary>
    /// Looks up a burst of up to 64 keys (DPDK's rte_hash_lookup_bulk_data): every key's home slot is hashed
    /// and prefetched first, so the cache misses of a large table overlap instead of following one another.
    /// Returns a mask with bit i set when keys[i] was found; values[i] is then its value.
    /// </summary>
    public ulong LookupBurst(ReadOnlySpan<FlowKey> keys, Span<TValue> values)
    {
        if (keys.Length > 64 || values.Length < keys.Length) ThrowBadBurst(keys.Length, values.Length);
        Span<uint> hashes = stackalloc uint[64];
        ref Entry entries = ref First;
        // Hash everything first (registers and L1 only), then issue every prefetch back to back: the misses
        // then overlap as far as the core's miss buffers allow, instead of one hash's latency apart.
        for (int i = 0; i < keys.Length; i++) hashes[i] = HashOf(keys[i]);
        for (int i = 0; i < keys.Length; i++) Prefetch(ref Unsafe.Add(ref entries, (int)hashes[i] & _mask));
        ulong hits = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            uint hash = hashes[i];
            int slot = (int)hash & _mask;
            while (true)
            {
                ref Entry entry = ref Unsafe.Add(ref entries, slot);
                if (entry.Hash == 0) break;
                if (entry.Hash == hash && entry.Key.Equals(keys[i]))
                {
                    values[i] = entry.Value;
                    hits |= 1UL << i;
                    break;
                }
                slot = (slot + 1) & _mask;
            }
        }
        return hits;
    }

    /// <summary>Removes every flow (touches every slot: not for the data path).</summary>
    public void Clear()
    {
        MemoryMarshal.CreateSpan(ref First, SlotCount).Clear();
        Count = 0;
    }

    /// <summary>Unmaps the huge-page slots (nothing to do for a managed table). The table is unusable afterwards.</summary>
    public void Dispose()
    {
        FreeNative();
        _managed = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>Visits the flows in slot order. The table must not change while enumerating.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>Slot index of hash 0 is reserved for "empty", so a hash of 0 becomes 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint HashOf(in FlowKey key)
    {
        uint hash = key.Mix();
        return hash == 0 ? 1 : hash;
    }

    /// <summary>
    /// Slot 0, in whichever memory the table lives. After Dispose both are gone and this dereferences null
    /// (a NullReferenceException, never a wild read).
    /// </summary>
    private unsafe ref Entry First
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _native != 0 ? ref Unsafe.AsRef<Entry>((void*)_native) : ref MemoryMarshal.GetArrayDataReference(_managed!);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(ref Entry entry)
    {
        // A prefetch never faults, so a stale address (the GC moved the array meanwhile) is harmless. The
        // last byte too: an entry that straddles two cache lines needs both before it can be compared.
        if (Sse.IsSupported)
        {
            byte* start = (byte*)Unsafe.AsPointer(ref entry);
            Sse.Prefetch0(start);
            Sse.Prefetch0(start + Unsafe.SizeOf<Entry>() - 1);
        }
    }

    private static void ThrowBadBurst(int keys, int values)
    {
        if (keys > 64) throw new ArgumentOutOfRangeException(nameof(keys), keys, "at most 64 keys per burst");
        throw new ArgumentException($"{keys} keys need as many values, not {values}", nameof(values));
    }

    private void FreeNative()
    {
        if (_mapping == 0) return;
        _native = 0;
        HugePageMemory.Free(_mapping, _mappingLength);
        _mapping = 0;
    }

    /// <summary>
    /// Empties <paramref name="hole"/> and shifts back every later entry of the probe run whose home slot is
    /// not cyclically in (hole, its slot]: such an entry would otherwise sit behind an empty slot and be lost.
    /// </summary>
    private void RemoveAt(ref Entry entries, int hole)
    {
        int slot = hole;
        while (true)
        {
            slot = (slot + 1) & _mask;
            ref Entry entry = ref Unsafe.Add(ref entries, slot);
            if (entry.Hash == 0) break;
            int home = (int)entry.Hash & _mask;
            bool stays = hole <= slot ? hole < home && home <= slot : hole < home || home <= slot;
            if (stays) continue;
            Unsafe.Add(ref entries, hole) = entry;
            hole = slot;
        }
        Unsafe.Add(ref entries, hole) = default;
    }

    private struct Entry
    {
        public FlowKey Key;
        /// <summary>The key's hash, never 0; 0 marks an empty slot.</summary>
        public uint Hash;
        public TValue Value;
    }

    public struct Enumerator
    {
        private readonly FlowTable<TValue> _table;
        private int _slot;

        internal Enumerator(FlowTable<TValue> table)
        {
            _table = table;
            _slot = -1;
        }

        public readonly KeyValuePair<FlowKey, TValue> Current
        {
            get
            {
                ref Entry entry = ref Unsafe.Add(ref _table.First, _slot);
                return new KeyValuePair<FlowKey, TValue>(entry.Key, entry.Value);
            }
        }

        public bool MoveNext()
        {
            ref Entry entries = ref _table.First;
            while (++_slot < _table.SlotCount)
            {
                if (Unsafe.Add(ref entries, _slot).Hash != 0) return true;
            }
            return false;
        }
    }
}
