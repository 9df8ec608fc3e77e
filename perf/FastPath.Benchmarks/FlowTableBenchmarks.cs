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
public class FlowTableBenchmarks
{
    private const int LookupsPerInvoke = 1024;
    private const int Burst = 32;

    private FlowTable<int> _table = null!;
    private FlowKey[] _lookups = null!;
    private int[] _values = null!;
    private int _next;

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
