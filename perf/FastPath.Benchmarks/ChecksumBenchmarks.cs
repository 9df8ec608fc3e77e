using System.Globalization;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FastPath.Wire.Checksums;

namespace FastPath.Benchmarks;

/// <summary>
/// The Internet checksum paths on a minimum frame payload (64), the IPv4 minimum reassembly size (576), an
/// Ethernet MTU (1500) and a jumbo frame (9000). The GB/s column is Size / median.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class ChecksumBenchmarks
{
    private const int CacheLine = 64;
    private byte[] _buffer = [];
    private int _start;

    [Params(64, 576, 1500, 9000)]
    public int Size { get; set; }

    private ReadOnlySpan<byte> Data => _buffer.AsSpan(_start, Size);

    [GlobalSetup]
    public unsafe void Setup()
    {
        // Pinned and started on a cache line, so that runs do not differ by where the GC put the array.
        _buffer = GC.AllocateUninitializedArray<byte>(Size + CacheLine, pinned: true);
        new Random(1071).NextBytes(_buffer);
        _start = (int)((CacheLine - ((nint)Unsafe.AsPointer(ref _buffer[0]) & (CacheLine - 1))) & (CacheLine - 1));
    }

    /// <summary>The textbook loop (RFC 1071 section 4.1 in C#): one big-endian byte pair per addition.</summary>
    [Benchmark(Baseline = true)]
    public uint BytePairLoop()
    {
        ReadOnlySpan<byte> data = Data;
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
            sum += (uint)((data[i] << 8) | data[i + 1]);
        if (i < data.Length)
            sum += (uint)(data[i] << 8);
        sum = (sum >> 16) + (sum & 0xFFFF);
        return (sum >> 16) + (sum & 0xFFFF);
    }

    [Benchmark]
    public uint Scalar() => InternetChecksum.SumScalar(Data);

    [Benchmark]
    public uint Vector128() => InternetChecksum.SumVector128(Data);

    [Benchmark]
    public uint Vector256() => InternetChecksum.SumVector256(Data);

    [Benchmark]
    public uint Vector512() => InternetChecksum.SumVector512(Data);

    /// <summary>What callers get: the public entry point, dispatching by size and <see cref="InternetChecksum.BestPath"/>.</summary>
    [Benchmark]
    public uint Dispatched() => InternetChecksum.Sum(Data);

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig()
        {
            AddColumn(StatisticColumn.Median, new ThroughputColumn());
        }
    }

    /// <summary>Decimal gigabytes per second (bytes per nanosecond) at the median time of one checksum.</summary>
    private sealed class ThroughputColumn : IColumn
    {
        public string Id => nameof(ThroughputColumn);
        public string ColumnName => "GB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Size / median time, in 10^9 bytes per second";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? medianNs = summary[benchmarkCase]?.ResultStatistics?.Median;
            if (medianNs is not > 0 || benchmarkCase.Parameters["Size"] is not int size)
                return "-";
            return (size / medianNs.Value).ToString("F1", CultureInfo.InvariantCulture);
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
