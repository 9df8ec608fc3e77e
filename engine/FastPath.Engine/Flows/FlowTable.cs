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
/// </summary>
public sealed class FlowTable<TValue>
{
    private readonly Entry[] _entries;
    private readonly int _mask;

    /// <param name="capacity">The most flows the table holds; <see cref="TryAdd"/> says <see cref="FlowAddResult.Full"/> beyond it.</param>
    public FlowTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 29);
        Capacity = capacity;
        // Load factor at most 0.75 when full: linear probing's expected probe count grows as 1/(1-load)^2
        // for misses, so the last quarter is where it would blow up.
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)(capacity + (capacity + 2) / 3));
        _entries = new Entry[Math.Max(slots, 2)];
        _mask = _entries.Length - 1;
    }

    public int Count { get; private set; }

    public int Capacity { get; }

    /// <summary>Slots in the table (a power of two).</summary>
    public int SlotCount => _entries.Length;

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
        ref Entry entries = ref MemoryMarshal.GetArrayDataReference(_entries);
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
        ref Entry entries = ref MemoryMarshal.GetArrayDataReference(_entries);
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
        int slot = (int)hash & _mask;
        while (true)
        {
            ref Entry entry = ref _entries[slot];
            if (entry.Hash == 0)
            {
                value = default!;
                return false;
            }
            if (entry.Hash == hash && entry.Key.Equals(key)) break;
            slot = (slot + 1) & _mask;
        }
        value = _entries[slot].Value;
        RemoveAt(slot);
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
        if (keys.Length > 64) throw new ArgumentOutOfRangeException(nameof(keys), keys.Length, "at most 64 keys per burst");
        if (values.Length < keys.Length) throw new ArgumentException("one value per key", nameof(values));
        Span<uint> hashes = stackalloc uint[64];
        ref Entry entries = ref MemoryMarshal.GetArrayDataReference(_entries);
        for (int i = 0; i < keys.Length; i++)
        {
            uint hash = HashOf(keys[i]);
            hashes[i] = hash;
            Prefetch(ref Unsafe.Add(ref entries, (int)hash & _mask));
        }
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
        Array.Clear(_entries);
        Count = 0;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(ref Entry entry)
    {
        // A prefetch never faults, so a stale address (the GC moved the array meanwhile) is harmless.
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref entry));
    }

    /// <summary>
    /// Empties <paramref name="hole"/> and shifts back every later entry of the probe run whose home slot is
    /// not cyclically in (hole, its slot]: such an entry would otherwise sit behind an empty slot and be lost.
    /// </summary>
    private void RemoveAt(int hole)
    {
        int slot = hole;
        while (true)
        {
            slot = (slot + 1) & _mask;
            ref Entry entry = ref _entries[slot];
            if (entry.Hash == 0) break;
            int home = (int)entry.Hash & _mask;
            bool stays = hole <= slot ? hole < home && home <= slot : hole < home || home <= slot;
            if (stays) continue;
            _entries[hole] = entry;
            hole = slot;
        }
        _entries[hole] = default;
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
                ref Entry entry = ref _table._entries[_slot];
                return new KeyValuePair<FlowKey, TValue>(entry.Key, entry.Value);
            }
        }

        public bool MoveNext()
        {
            Entry[] entries = _table._entries;
            while (++_slot < entries.Length)
            {
                if (entries[_slot].Hash != 0) return true;
            }
            return false;
        }
    }
}
