using BenchmarkDotNet.Attributes;
using FastPath.Engine.Runtime;
using FastPath.Engine.Tcp;

namespace FastPath.Benchmarks;

/// <summary>
/// TCP between two stacks on an in-memory wire (MTU 1500, so 1448-byte segments with timestamps), both
/// driven on this one thread the way their workers would drive them: receive, stack, drain TX, timers.
/// <para>
/// Because one thread runs both stacks, the time per operation is the cost of BOTH sides (sender and
/// receiver, plus the wire's copy). With one core per side, as the targets assume, each side has the whole
/// measured time for its half, so the one-thread figure is a lower bound on what two cores reach.
/// </para>
/// Targets (issue 6): bulk transfer at least 10 Gbit/s on one core per side, so at most 52 microseconds per
/// 64 KiB here; connection setup and teardown (connect, accept, close both) at least 200,000 per second, so
/// at most 5 microseconds per connection.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class TcpBenchmarks
{
    private const int ChunkBytes = 64 * 1024;
    private const int ChunksPerInvoke = 256; // 16 MiB
    private const int ConnectionsPerInvoke = 1024;
    private const ushort BulkPort = 5001;
    private const ushort SetupPort = 5002;

    private readonly byte[] _pattern = new byte[ChunkBytes];
    private readonly byte[] _sink = new byte[ChunkBytes];
    private ManualClock _clock = null!;
    private TcpBenchPair _pair = null!;
    private TcpListener _bulkListener = null!, _setupListener = null!;
    private TcpConnection _sender = null!;
    private TcpConnection? _receiver;
    private long _received;
    private int _accepted;

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < _pattern.Length; i++) _pattern[i] = (byte)(i * 31 + 7);
        _clock = new ManualClock(1_000_000_000);
        _pair = new TcpBenchPair(_clock, busyCountsFirstDrain: false);

        _bulkListener = _pair.StackB.Tcp.Listen(BulkPort);
        _bulkListener.Accepted = connection =>
        {
            _receiver = connection;
            connection.DataReceived = Drain;
        };
        _sender = _pair.StackA.Tcp.Connect(TcpBenchPair.IpB, BulkPort);
        RunUntil(() => _receiver is not null);

        _setupListener = _pair.StackB.Tcp.Listen(SetupPort);
        _setupListener.Accepted = connection =>
        {
            _accepted++;
            connection.Close();
        };

        // A benchmark of a broken transfer would be fast and meaningless: check both paths do their work.
        BulkTransfer();
        ConnectAcceptClose();
        if (_received != (long)ChunkBytes * ChunksPerInvoke || _accepted != ConnectionsPerInvoke
            || _pair.StackA.Tcp.ConnectionCount != 1 || _pair.StackB.Tcp.ConnectionCount != 1)
        {
            throw new InvalidOperationException(
                $"received {_received}, accepted {_accepted}, connections {_pair.StackA.Tcp.ConnectionCount}/{_pair.StackB.Tcp.ConnectionCount}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _pair.Dispose();

    [Benchmark(OperationsPerInvoke = ChunksPerInvoke,
        Description = "bulk A->B, both stacks on one thread (ns per 64 KiB; Gbit/s = 524288 / ns)")]
    public long BulkTransfer()
    {
        long target = _received + (long)ChunkBytes * ChunksPerInvoke;
        int offered = 0, sentInChunk = 0;
        while (_received < target)
        {
            while (offered < ChunksPerInvoke)
            {
                int taken = _sender.Send(_pattern.AsSpan(sentInChunk));
                sentInChunk += taken;
                if (sentInChunk == ChunkBytes)
                {
                    offered++;
                    sentInChunk = 0;
                }
                else if (taken == 0) break;
            }
            Step();
        }
        return _received;
    }

    [Benchmark(OperationsPerInvoke = ConnectionsPerInvoke,
        Description = "connect, accept, close both, TIME_WAIT expiry (ns per connection; per second = 1e9 / ns)")]
    public int ConnectAcceptClose()
    {
        int target = _accepted + ConnectionsPerInvoke;
        for (int i = 0; i < ConnectionsPerInvoke; i++)
        {
            TcpConnection client = _pair.StackA.Tcp.Connect(TcpBenchPair.IpB, SetupPort);
            _pair.RunUntilQuiet();
            client.Close();
            _pair.RunUntilQuiet();
        }
        // The server closed first (on accept) and holds TIME_WAIT: let 2 MSL pass so the table slots come back.
        _clock.Advance(TimeSpan.FromSeconds(61));
        _pair.RunUntilQuiet();
        if (_accepted != target) throw new InvalidOperationException($"{target - _accepted} connections were not accepted");
        return _accepted;
    }

    private void Drain(TcpConnection connection)
    {
        int count;
        while ((count = connection.Receive(_sink)) > 0) _received += count;
    }

    private bool Step()
    {
        bool busy = _pair.StepBoth();
        // Time moves only when both sides wait (for a delayed ACK, say), as a fast link would make it look.
        if (!busy) _clock.AdvanceNanoseconds(1_000_000);
        return busy;
    }

    private void RunUntil(Func<bool> done)
    {
        for (int i = 0; i < 100_000 && !done(); i++) Step();
        if (!done()) throw new InvalidOperationException("the stacks did not get there");
    }
}
