using BenchmarkDotNet.Attributes;
using FastPath.Engine.Tcp;

namespace FastPath.Benchmarks;

/// <summary>
/// The per-segment building blocks of TCP, reported per segment or per ACK: a full-sized (1448-byte)
/// segment written into the receive buffer in order and read out again, the same with every other segment
/// arriving early and parked as an out-of-order range first, and CUBIC's congestion avoidance step.
/// </summary>
[MedianColumn]
public class TcpComponentBenchmarks
{
    private const int SegmentSize = 1448; // 1500-byte MTU, timestamps on
    private const int SegmentsPerInvoke = 64;

    private TcpReceiveBuffer _receive = null!;
    private byte[] _segment = null!;
    private byte[] _application = null!;
    private CubicCongestionControl _cubic = null!;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        _receive = new TcpReceiveBuffer(256 * 1024, 32);
        _segment = new byte[SegmentSize];
        new Random(1).NextBytes(_segment);
        _application = new byte[SegmentsPerInvoke * SegmentSize];
        _cubic = new CubicCongestionControl();
        _cubic.Reset(SegmentSize);
        // Into congestion avoidance with a loss behind it, so every ACK runs the W_cubic step.
        for (int i = 0; i < 200; i++) _cubic.OnAck(SegmentSize, _cubic.CongestionWindow, 0, 0);
        _cubic.OnEnterRecovery(_cubic.CongestionWindow, 0);
        _cubic.OnExitRecovery(0);
    }

    [Benchmark(OperationsPerInvoke = SegmentsPerInvoke)]
    public int ReceiveInOrder()
    {
        for (int i = 0; i < SegmentsPerInvoke; i++) _receive.Write(0, _segment, out _);
        return _receive.Read(_application);
    }

    [Benchmark(OperationsPerInvoke = SegmentsPerInvoke)]
    public int ReceiveReordered()
    {
        // Pairs swapped: segment 2k+1 arrives before 2k, waits as a range, and joins when 2k fills the hole.
        for (int i = 0; i < SegmentsPerInvoke; i += 2)
        {
            _receive.Write(SegmentSize, _segment, out _);
            _receive.Write(0, _segment, out _);
        }
        return _receive.Read(_application);
    }

    [Benchmark(OperationsPerInvoke = SegmentsPerInvoke)]
    public int CubicOnAck()
    {
        for (int i = 0; i < SegmentsPerInvoke; i++)
        {
            _now += 50_000; // 50 µs between ACKs: a 10 ms RTT at a few hundred segments in flight
            _cubic.OnAck(SegmentSize, _cubic.CongestionWindow, 10_000_000, _now);
        }
        // The window keeps growing in the convex region; start over before it leaves realistic sizes.
        if (_cubic.CongestionWindow > 64 * 1024 * 1024)
        {
            _cubic.OnEnterRecovery(_cubic.CongestionWindow, _now);
            _cubic.OnExitRecovery(_now);
        }
        return _cubic.CongestionWindow;
    }
}
