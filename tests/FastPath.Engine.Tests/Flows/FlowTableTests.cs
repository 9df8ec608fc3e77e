using FastPath.Engine.Flows;
using FastPath.Wire.Ipv4;
using FsCheck;
using FsCheck.Fluent;

namespace FastPath.Engine.Tests.Flows;

public class FlowTableTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(300);

    private static FlowKey Key(int i) =>
        new(new Ipv4Address(0x0A000000u | (uint)(i & 0xFF)), new Ipv4Address(0xC0A80001u), (ushort)(1000 + (i >> 8)), 80, IpProtocol.Tcp);

    [Fact]
    public void Add_get_update_and_remove()
    {
        var table = new FlowTable<int>(capacity: 100);
        Assert.Equal(256, table.SlotCount); // 100 flows at most 3/4 full: 134 slots, rounded up to a power of two
        Assert.Equal(FlowAddResult.Added, table.TryAdd(Key(1), 10));
        Assert.Equal(FlowAddResult.AlreadyPresent, table.TryAdd(Key(1), 11));
        Assert.True(table.TryGetValue(Key(1), out int value));
        Assert.Equal(10, value);
        table.GetValueRefOrNullRef(Key(1)) += 5;
        Assert.True(table.TryGetValue(Key(1), out value));
        Assert.Equal(15, value);
        Assert.False(table.TryGetValue(Key(2), out _));
        Assert.True(System.Runtime.CompilerServices.Unsafe.IsNullRef(ref table.GetValueRefOrNullRef(Key(2))));
        ref int added = ref table.GetValueRefOrAddDefault(Key(2), out bool exists);
        Assert.False(exists);
        added = 20;
        Assert.True(table.ContainsKey(Key(2)));
        Assert.Equal(2, table.Count);
        Assert.True(table.Remove(Key(1), out value));
        Assert.Equal(15, value);
        Assert.False(table.Remove(Key(1)));
        Assert.Equal(1, table.Count);
        Assert.Equal([new KeyValuePair<FlowKey, int>(Key(2), 20)], Enumerate(table));
        table.Clear();
        Assert.Equal(0, table.Count);
        Assert.False(table.ContainsKey(Key(2)));
    }

    [Fact]
    public void A_full_table_says_so_and_adds_nothing_until_a_flow_leaves()
    {
        var table = new FlowTable<int>(capacity: 3);
        for (int i = 0; i < 3; i++) Assert.Equal(FlowAddResult.Added, table.TryAdd(Key(i), i));
        Assert.True(table.IsFull);
        Assert.Equal(FlowAddResult.Full, table.TryAdd(Key(3), 3));
        Assert.Equal(FlowAddResult.AlreadyPresent, table.TryAdd(Key(2), 3));
        Assert.True(System.Runtime.CompilerServices.Unsafe.IsNullRef(ref table.GetValueRefOrAddDefault(Key(4), out bool exists)));
        Assert.False(exists);
        Assert.False(table.ContainsKey(Key(3)));
        Assert.True(table.Remove(Key(0)));
        Assert.Equal(FlowAddResult.Added, table.TryAdd(Key(3), 3));
        Assert.Equal([1, 2, 3], Enumerate(table).Select(pair => pair.Value).Order());
    }

    /// <summary>
    /// Random sequences of add, lookup, update and remove over a key universe larger than the table, so
    /// that probe runs collide, wrap around the end of the slot array, and fill the table: every step and
    /// the final contents must match a Dictionary with the same capacity rule. FsCheck's own arrays are
    /// short and its integers small, so each generated seed expands into a few thousand operations.
    /// </summary>
    [Fact]
    public void Behaves_like_a_dictionary_of_bounded_size() =>
        Check.One(Runs, Prop.ForAll<int, byte>((seed, capacityByte) =>
        {
            var random = new Random(seed);
            int[] operations = Enumerable.Range(0, 3000).Select(_ => random.Next()).ToArray();
            int capacity = 1 + capacityByte % 48;
            var table = new FlowTable<int>(capacity);
            var model = new Dictionary<FlowKey, int>();
            foreach (int operation in operations)
            {
                FlowKey key = Key((operation >> 2 & 0x7FFFFFFF) % 64);
                switch (operation & 3)
                {
                    case 0:
                        FlowAddResult expected = model.ContainsKey(key) ? FlowAddResult.AlreadyPresent : model.Count == capacity ? FlowAddResult.Full : FlowAddResult.Added;
                        if (table.TryAdd(key, operation) != expected) return false;
                        if (expected == FlowAddResult.Added) model[key] = operation;
                        break;
                    case 1:
                        bool found = table.TryGetValue(key, out int value);
                        if (found != model.TryGetValue(key, out int modelValue) || (found && value != modelValue)) return false;
                        break;
                    case 2:
                        ref int slot = ref table.GetValueRefOrNullRef(key);
                        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot) == model.ContainsKey(key)) return false;
                        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot)) model[key] = slot = operation;
                        break;
                    default:
                        bool removed = table.Remove(key, out int removedValue);
                        if (removed != model.Remove(key, out int modelRemoved) || (removed && removedValue != modelRemoved)) return false;
                        break;
                }
                if (table.Count != model.Count) return false;
            }
            return Enumerate(table).OrderBy(p => p.Key.GetHashCode()).ThenBy(p => p.Value)
                .SequenceEqual(model.OrderBy(p => p.Key.GetHashCode()).ThenBy(p => p.Value));
        }));

    [Fact]
    public void Churn_at_full_load_keeps_every_live_flow_reachable()
    {
        // Backward-shift deletion under heavy churn: no tombstones pile up, and nothing gets lost behind a hole.
        var random = new Random(7);
        var table = new FlowTable<int>(capacity: 1000);
        var live = new HashSet<int>();
        for (int step = 0; step < 200_000; step++)
        {
            int id = random.Next(1500);
            if (live.Contains(id))
            {
                Assert.True(table.Remove(KeyOf(id)));
                live.Remove(id);
            }
            else if (table.TryAdd(KeyOf(id), id) == FlowAddResult.Added)
            {
                live.Add(id);
            }
            else
            {
                Assert.Equal(1000, live.Count);
            }
        }
        Assert.Equal(live.Count, table.Count);
        foreach (int id in live)
        {
            Assert.True(table.TryGetValue(KeyOf(id), out int value));
            Assert.Equal(id, value);
        }

        static FlowKey KeyOf(int id) => new(new Ipv4Address((uint)id * 2654435761u), new Ipv4Address(1), (ushort)id, 9, IpProtocol.Udp);
    }

    [Fact]
    public void LookupBurst_finds_what_single_lookups_find()
    {
        var table = new FlowTable<long>(capacity: 4096);
        for (int i = 0; i < 3000; i += 2) table.TryAdd(Key(i), i * 10L);
        var keys = Enumerable.Range(0, 64).Select(i => Key(i * 47 % 3000)).ToArray();
        var values = new long[64];
        ulong hits = table.LookupBurst(keys, values);
        for (int i = 0; i < 64; i++)
        {
            bool found = table.TryGetValue(keys[i], out long expected);
            Assert.Equal(found, (hits >> i & 1) != 0);
            if (found) Assert.Equal(expected, values[i]);
        }
        Assert.NotEqual(0UL, hits);
        Assert.NotEqual(ulong.MaxValue, hits);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.LookupBurst(new FlowKey[65], new long[65]));
    }

    [Fact]
    public void Operations_allocate_nothing_after_construction()
    {
        var table = new FlowTable<int>(capacity: 10_000);
        var keys = new FlowKey[32];
        var values = new int[32];
        for (int i = 0; i < 32; i++) keys[i] = Key(i);
        table.TryAdd(Key(0), 0);
        table.LookupBurst(keys, values);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++)
        {
            FlowKey key = Key(i % 9000);
            table.TryAdd(key, i);
            table.TryGetValue(key, out _);
            if (i % 3 == 0) table.Remove(key);
            if (i % 1000 == 0) table.LookupBurst(keys, values);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_large_table_of_plain_values_lives_in_native_memory_and_works_the_same()
    {
        using var table = new FlowTable<long>(capacity: 200_000);
        Assert.True(table.UsesNativeMemory);
        using var small = new FlowTable<long>(capacity: 1000);
        Assert.False(small.UsesNativeMemory);
        using var references = new FlowTable<string>(capacity: 200_000);
        Assert.False(references.UsesNativeMemory);

        var random = new Random(5);
        var model = new Dictionary<FlowKey, long>();
        for (int i = 0; i < 200_000; i++)
        {
            var key = new FlowKey(new Ipv4Address((uint)random.Next()), new Ipv4Address((uint)random.Next()), (ushort)i, 7, IpProtocol.Udp);
            if (model.TryAdd(key, i)) Assert.Equal(FlowAddResult.Added, table.TryAdd(key, i));
        }
        Assert.Equal(FlowAddResult.Full, table.TryAdd(new FlowKey(default, default, 1, 1, IpProtocol.Tcp), 1));
        int removed = 0;
        foreach ((FlowKey key, long value) in model)
        {
            Assert.True(table.TryGetValue(key, out long found));
            Assert.Equal(value, found);
            if (value % 3 == 0 && table.Remove(key)) removed++;
        }
        Assert.Equal(model.Count - removed, table.Count);
        Assert.Equal(table.Count, Enumerate(table).Count);
        table.Clear();
        Assert.Equal(0, table.Count);
        Assert.Empty(Enumerate(table));
    }

    [Fact]
    public void A_disposed_table_fails_with_an_exception_not_a_wild_read()
    {
        var table = new FlowTable<int>(capacity: 100_000);
        Assert.True(table.UsesNativeMemory);
        table.Dispose();
        Assert.False(table.UsesNativeMemory);
        Assert.Throws<NullReferenceException>(() => table.TryGetValue(Key(1), out _));
        table.Dispose();
    }

    private static List<KeyValuePair<FlowKey, TValue>> Enumerate<TValue>(FlowTable<TValue> table)
    {
        var pairs = new List<KeyValuePair<FlowKey, TValue>>();
        foreach (KeyValuePair<FlowKey, TValue> pair in table) pairs.Add(pair);
        return pairs;
    }
}
