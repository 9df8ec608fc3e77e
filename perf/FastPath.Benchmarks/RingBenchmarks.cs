using BenchmarkDotNet.Attributes;
using FastPath.Engine.Memory;
using FastPath.Engine.Rings;

namespace FastPath.Benchmarks;

/// <summary>
/// Ring throughput in bursts of 32 packet handles (8 bytes each), reported per item: one thread doing both
/// sides (the cost of the ring code itself), and a producer thread feeding the benchmark thread (the cost
/// with the index and slot cache lines moving between cores, which is what a worker pipeline pays).
/// </summary>
public class RingBenchmarks
{
    private const int Burst = 32;
    private const int RingSize = 1024;
    // Items moved per cross-thread invocation: large enough that thread hand-off noise averages out.
    private const int CrossThreadItems = 1 << 20;

    private Packet[] _source = null!;
    private Packet[] _sink = null!;
    private SpscRing<Packet> _spsc = null!;
    private MpscRing<Packet> _mpsc = null!;
    private Thread? _producer;
    private volatile bool _stop;

    [GlobalSetup]
    public void Setup()
    {
        _source = NewBurst();
        _sink = new Packet[Burst];
        _spsc = new SpscRing<Packet>(RingSize);
        _mpsc = new MpscRing<Packet>(RingSize);
    }

    [GlobalSetup(Target = nameof(SpscBurstTwoThreads))]
    public void SetupSpscTwoThreads()
    {
        Setup();
        StartProducer(() =>
        {
            var source = NewBurst();
            while (!_stop)
                if (_spsc.EnqueueBurst(source) == 0) Thread.SpinWait(1);
        });
    }

    [GlobalSetup(Target = nameof(MpscBurstTwoThreads))]
    public void SetupMpscTwoThreads()
    {
        Setup();
        StartProducer(() =>
        {
            var source = NewBurst();
            while (!_stop)
                if (_mpsc.EnqueueBurst(source) == 0) Thread.SpinWait(1);
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _producer?.Join();
        _producer = null;
        _stop = false;
    }

    [Benchmark(OperationsPerInvoke = Burst)]
    public int SpscBurstOneThread()
    {
        _spsc.EnqueueBurst(_source);
        return _spsc.DequeueBurst(_sink);
    }

    [Benchmark(OperationsPerInvoke = Burst)]
    public int SpscBulkOneThread()
    {
        _spsc.EnqueueBulk(_source);
        return _spsc.DequeueBulk(_sink) ? Burst : 0;
    }

    [Benchmark(OperationsPerInvoke = Burst)]
    public int MpscBurstOneThread()
    {
        _mpsc.EnqueueBurst(_source);
        return _mpsc.DequeueBurst(_sink);
    }

    /// <summary>The benchmark thread consumes what a dedicated producer thread enqueues; time per item.</summary>
    [Benchmark(OperationsPerInvoke = CrossThreadItems)]
    public long SpscBurstTwoThreads()
    {
        long received = 0;
        while (received < CrossThreadItems)
        {
            int n = _spsc.DequeueBurst(_sink);
            if (n == 0) Thread.SpinWait(1);
            received += n;
        }
        return received;
    }

    [Benchmark(OperationsPerInvoke = CrossThreadItems)]
    public long MpscBurstTwoThreads()
    {
        long received = 0;
        while (received < CrossThreadItems)
        {
            int n = _mpsc.DequeueBurst(_sink);
            if (n == 0) Thread.SpinWait(1);
            received += n;
        }
        return received;
    }

    private static Packet[] NewBurst()
    {
        var burst = new Packet[Burst];
        for (int i = 0; i < Burst; i++) burst[i] = new Packet((uint)i, FramePool.DefaultHeadroom, 64);
        return burst;
    }

    // The producer allocates its source burst on its own thread, so that it comes from that thread's
    // allocation context and cannot share a cache line with the consumer's sink array (which the consumer
    // writes every burst): the benchmark would otherwise measure false sharing of its own buffers.
    private void StartProducer(ThreadStart loop)
    {
        _producer = new Thread(loop) { IsBackground = true, Name = "ring producer" };
        _producer.Start();
    }
}
