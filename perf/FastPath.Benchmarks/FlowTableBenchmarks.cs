using System.Numerics;
using BenchmarkDotNet.Attributes;
using FastPath.Engine.Flows;
using FastPath.Wire.Ipv4;

namespace FastPath.Benchmarks;

/// <summary>
/// Flow table lookups that hit, in random order, reported per lookup: a table that fits in cache (1 K flows)
/// and one that does not (1 M flows, 2 M slots of 24 bytes: 48 MB), one key at a time and in bursts of 32
/// with the home slots prefetched first. Each invocation walks on through a shuffled copy of every key, so
/// lookups miss the cache the way a million live flows make them miss it.
/// </summary>
[MedianColumn]
public class FlowTableBenchmarks
{
    private const int LookupsPerInvoke = 1024;
    private const int Burst = 32;

    private FlowTable<int> _table = null!;
    private FlowKey[] _lookups = null!;
    private int[] _values = null!;
    private int _next;
    private nint _floorMemory;
    private nint _floorMapping;
    private nuint _floorMappingLength;
    private int[] _floorIndices = null!;
    private int _floorMask;

    [Params(1_000, 1_000_000)]
    public int Flows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _table = new FlowTable<int>(Flows);
        var keys = new FlowKey[Flows];
        for (int i = 0; i < Flows; i++)
        {
            FlowKey key;
            do
            {
                key = new FlowKey(new Ipv4Address((uint)random.Next()), new Ipv4Address((uint)random.Next()), (ushort)random.Next(65536), (ushort)random.Next(65536), IpProtocol.Udp);
            }
            while (_table.TryAdd(key, i) != FlowAddResult.Added);
            keys[i] = key;
        }
        random.Shuffle(keys);
        // At least a few invocations' worth, so that small tables still cycle through a whole batch.
        _lookups = new FlowKey[Math.Max(Flows, 4 * LookupsPerInvoke)];
        for (int i = 0; i < _lookups.Length; i++) _lookups[i] = keys[i % Flows];
        _values = new int[Burst];
        // The floor: one random 8-byte read per lookup from huge-page memory as large as the table's slots.
        long floorBytes = (long)_table.SlotCount * 24;
        _floorMemory = HugePageMemory.Allocate((nuint)floorBytes, out _floorMapping, out _floorMappingLength);
        _floorMask = (int)BitOperations.RoundUpToPowerOf2((ulong)(floorBytes / 8)) / 2 - 1;
        _floorIndices = new int[_lookups.Length];
        for (int i = 0; i < _floorIndices.Length; i++) _floorIndices[i] = random.Next() & _floorMask;
        // Whether the kernel gave the table huge pages (THP "madvise"): printed into the benchmark's log.
        string? hugePages = File.ReadLines("/proc/self/smaps_rollup").FirstOrDefault(line => line.StartsWith("AnonHugePages:", StringComparison.Ordinal));
        Console.WriteLine($"// flow table: {_table.SlotCount} slots, native memory {_table.UsesNativeMemory}, {hugePages}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _table.Dispose();
        HugePageMemory.Free(_floorMapping, _floorMappingLength);
    }

    /// <summary>Not a table operation: independent random reads from memory of the table's size, the machine's floor for a lookup that misses the caches.</summary>
    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public unsafe long RandomReadFloor()
    {
        long* memory = (long*)_floorMemory;
        int[] indices = _floorIndices;
        int next = _next;
        long sum = 0;
        for (int i = 0; i < LookupsPerInvoke; i++)
        {
            sum += memory[indices[next]];
            if (++next == indices.Length) next = 0;
        }
        _next = next;
        return sum;
    }

    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public int TryGetValue()
    {
        FlowKey[] lookups = _lookups;
        int next = _next;
        int sum = 0;
        for (int i = 0; i < LookupsPerInvoke; i++)
        {
            _table.TryGetValue(lookups[next], out int value);
            sum += value;
            if (++next == lookups.Length) next = 0;
        }
        _next = next;
        return sum;
    }

    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public int LookupBurst()
    {
        FlowKey[] lookups = _lookups;
        int next = _next;
        int sum = 0;
        for (int i = 0; i < LookupsPerInvoke; i += Burst)
        {
            if (next + Burst > lookups.Length) next = 0;
            ulong hits = _table.LookupBurst(lookups.AsSpan(next, Burst), _values);
            sum += (int)hits + _values[0];
            next += Burst;
        }
        _next = next;
        return sum;
    }
}
