using BenchmarkDotNet.Attributes;
using FastPath.Engine.Flows;
using FastPath.Wire.Ipv4;

namespace FastPath.Benchmarks;

/// <summary>
/// The symmetric Toeplitz hash of an IPv4 4-tuple (12 bytes: 12 table loads) as flow steering computes it
/// for every received packet, from the typed tuple and from the bytes; and the FlowKey mix the flow table
/// indexes with. Reported per hash over a batch of distinct tuples.
/// </summary>
[MedianColumn]
public class FlowHashBenchmarks
{
    private const int Tuples = 1024;

    private FlowKey[] _keys = null!;
    private byte[] _bytes = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2);
        _keys = new FlowKey[Tuples];
        _bytes = new byte[Tuples * 12];
        random.NextBytes(_bytes);
        for (int i = 0; i < Tuples; i++)
        {
            ReadOnlySpan<byte> t = _bytes.AsSpan(i * 12, 12);
            _keys[i] = new FlowKey(new Ipv4Address(t[..4]), new Ipv4Address(t[4..8]), (ushort)(t[8] << 8 | t[9]), (ushort)(t[10] << 8 | t[11]), IpProtocol.Tcp);
        }
    }

    [Benchmark(OperationsPerInvoke = Tuples)]
    public uint ToeplitzTuple()
    {
        ToeplitzHash hash = ToeplitzHash.Symmetric;
        uint x = 0;
        foreach (ref readonly FlowKey key in _keys.AsSpan()) x ^= hash.Compute(key);
        return x;
    }

    [Benchmark(OperationsPerInvoke = Tuples)]
    public uint ToeplitzBytes()
    {
        ToeplitzHash hash = ToeplitzHash.Symmetric;
        uint x = 0;
        for (int i = 0; i < Tuples; i++) x ^= hash.Compute(_bytes.AsSpan(i * 12, 12));
        return x;
    }

    [Benchmark(OperationsPerInvoke = Tuples)]
    public int FlowKeyMix()
    {
        int x = 0;
        foreach (ref readonly FlowKey key in _keys.AsSpan()) x ^= key.GetHashCode();
        return x;
    }
}
