using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;

namespace FastPath.Benchmarks;

/// <summary>
/// The TCP core's per-operation paths between two stacks on an in-memory wire, both on this one thread, with
/// the machine's monotonic clock (as a worker has it; <see cref="TcpBenchmarks"/> uses a manual clock, whose reads
/// cost nothing). Every figure is both sides' work together.
/// <list type="bullet">
/// <item><see cref="WireRoundTrip"/>: the harness alone, two 130-byte frames across the wire and back
/// (allocate, write, transmit, receive, free), so the TCP share of <see cref="RequestResponse64"/> is the difference.</item>
/// <item><see cref="RequestResponse64"/>: 64 bytes out, echoed back, on an established connection (Nagle off on
/// both ends, as a request/response benchmark sets TCP_NODELAY): the cost behind the veth RR figure.</item>
/// <item><see cref="BulkTransfer"/>: 64 KiB sends A to B, drained on B, time moving 1 ms only when both sides wait
/// (as in <see cref="TcpBenchmarks"/>, but paying for real clock reads).</item>
/// <item><see cref="ConnectEchoClose"/>: connect, 64-byte echo, client closes (and keeps TIME_WAIT), server closes
/// on the FIN: the veth connections-per-second transaction.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class TcpPathBenchmarks
{
    private const int TransactionsPerInvoke = 4096;
    private const int ConnectionsPerInvoke = 1024;
    private const ushort EchoPort = 7;
    private const ushort DiscardPort = 9;
    private const int ChunkBytes = 64 * 1024;
    private const int ChunksPerInvoke = 256;
    private const int MessageBytes = 64;

    private readonly byte[] _request = new byte[MessageBytes];
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly Packet[] _burst = new Packet[64];
    private SteppingClock _clock = null!;
    private TcpBenchPair _pair = null!;
    private MemoryPort _portA = null!, _portB = null!;
    private WorkerContext _contextA = null!, _contextB = null!;
    private NetworkStack _stackA = null!, _stackB = null!;
    private TcpListener _listener = null!;
    private TcpConnection _client = null!;
    private TcpConnection _bulkSender = null!;
    private readonly byte[] _pattern = new byte[ChunkBytes];
    private long _discarded;
    private long _replied;
    private int _accepted;

    // Made once: a lambda that uses the instance would be a new delegate (an allocation) per connection.
    private Action<TcpConnection> _sendRequest = null!;
    private Action<TcpConnection> _readAndClose = null!;
    private Action<TcpConnection> _echo = null!;

    [GlobalSetup]
    public void Setup()
    {
        _sendRequest = connection => connection.Send(_request);
        _echo = Echo;
        _readAndClose = connection =>
        {
            _replied += connection.Receive(_buffer);
            connection.Close();
        };
        _clock = new SteppingClock();
        _pair = new TcpBenchPair(_clock, busyCountsFirstDrain: true);
        (_portA, _portB) = (_pair.PortA, _pair.PortB);
        (_contextA, _contextB) = (_pair.ContextA, _pair.ContextB);
        (_stackA, _stackB) = (_pair.StackA, _pair.StackB);

        // The echo server: what arrives goes back; the peer's FIN closes (the usual echo loop).
        _listener = _stackB.Tcp.Listen(EchoPort);
        _listener.Accepted = connection =>
        {
            _accepted++;
            connection.NoDelay = true;
            connection.DataReceived = _echo;
        };
        _client = _stackA.Tcp.Connect(TcpBenchPair.IpB, EchoPort);
        _client.NoDelay = true;
        _client.DataReceived = connection => _replied += connection.Receive(_buffer);
        _pair.RunUntilQuiet();

        TcpListener discard = _stackB.Tcp.Listen(DiscardPort);
        discard.Accepted = connection => connection.DataReceived = Discard;
        _bulkSender = _stackA.Tcp.Connect(TcpBenchPair.IpB, DiscardPort);
        _pair.RunUntilQuiet();

        // A benchmark of a broken path would be fast and meaningless: check each does its work.
        WireRoundTrip();
        RequestResponse64();
        ConnectEchoClose();
        BulkTransfer();
        if (_replied != (long)MessageBytes * (TransactionsPerInvoke + ConnectionsPerInvoke) || _accepted != ConnectionsPerInvoke + 1
            || _discarded != (long)ChunkBytes * ChunksPerInvoke || _stackA.Tcp.ConnectionCount != 2 || _stackB.Tcp.ConnectionCount != 2)
        {
            throw new InvalidOperationException(
                $"replied {_replied}, accepted {_accepted}, discarded {_discarded}, connections {_stackA.Tcp.ConnectionCount}/{_stackB.Tcp.ConnectionCount}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _pair.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = TransactionsPerInvoke,
        Description = "harness only: two 130-byte frames A->B->A (ns per round trip)")]
    public int WireRoundTrip()
    {
        int moved = 0;
        for (int i = 0; i < TransactionsPerInvoke; i++)
        {
            moved += Bounce(_portA, _contextA, _portB);
            moved += Bounce(_portB, _contextB, _portA);
        }
        return moved;
    }

    [Benchmark(OperationsPerInvoke = TransactionsPerInvoke,
        Description = "64-byte request/response, established, NODELAY (ns per transaction, both sides)")]
    public long RequestResponse64()
    {
        for (int i = 0; i < TransactionsPerInvoke; i++)
        {
            long expected = _replied + MessageBytes;
            _client.Send(_request);
            _contextA.Tx.Drain(_portA);
            ReceiveBurst(_portB, _contextB, _stackB);
            ReceiveBurst(_portA, _contextA, _stackA);
            // A worker runs its timers once per loop; here once per 16 transactions, so the lazily re-armed
            // connection timers fire as they would, without the wheel's cost dominating.
            if ((i & 15) == 15) RunTimers();
            if (_replied != expected) throw new InvalidOperationException("a response did not come back in one round");
        }
        return _replied;
    }

    [Benchmark(OperationsPerInvoke = ConnectionsPerInvoke,
        Description = "connect, 64-byte echo, close, TIME_WAIT expiry (ns per connection; per second = 1e9 / ns)")]
    public int ConnectEchoClose()
    {
        int target = _accepted + ConnectionsPerInvoke;
        for (int i = 0; i < ConnectionsPerInvoke; i++)
        {
            TcpConnection client = _stackA.Tcp.Connect(TcpBenchPair.IpB, EchoPort);
            client.NoDelay = true;
            client.Connected = _sendRequest;
            client.DataReceived = _readAndClose;
            _pair.RunUntilQuiet();
        }
        // The client closed first and holds TIME_WAIT: let 2 MSL pass so its table slots come back.
        _clock.Advance(TimeSpan.FromSeconds(61));
        _pair.RunUntilQuiet();
        if (_accepted != target) throw new InvalidOperationException($"{target - _accepted} connections were not accepted");
        return _accepted;
    }

    [Benchmark(OperationsPerInvoke = ChunksPerInvoke,
        Description = "bulk A->B, both stacks on one thread, real clock (ns per 64 KiB; Gbit/s = 524288 / ns)")]
    public long BulkTransfer()
    {
        long target = _discarded + (long)ChunkBytes * ChunksPerInvoke;
        int offered = 0, sentInChunk = 0;
        while (_discarded < target)
        {
            while (offered < ChunksPerInvoke)
            {
                int taken = _bulkSender.Send(_pattern.AsSpan(sentInChunk));
                sentInChunk += taken;
                if (sentInChunk == ChunkBytes)
                {
                    offered++;
                    sentInChunk = 0;
                }
                else if (taken == 0) break;
            }
            bool busy = _pair.StepBoth();
            // Time jumps only when both sides wait (for a delayed ACK, say), as a fast link would make it look.
            if (!busy) _clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        return _discarded;
    }

    private void Discard(TcpConnection connection)
    {
        int count;
        while ((count = connection.Receive(_buffer)) > 0) _discarded += count;
    }

    private void Echo(TcpConnection connection)
    {
        int count;
        while ((count = connection.Receive(_buffer)) > 0) connection.Send(_buffer.AsSpan(0, count));
        if (connection.IsReceiveFinished) connection.Close();
    }

    private int Bounce(MemoryPort from, WorkerContext context, MemoryPort to)
    {
        if (!from.Pool.TryAllocate(out Packet packet)) throw new InvalidOperationException("pool empty");
        _request.CopyTo(from.Pool.Region.GetWritableSpan(packet)[66..]);
        packet.Length = 130;
        context.Tx.TryEnqueue(packet);
        context.Tx.Drain(from);
        int received = to.Receive(_burst);
        to.Pool.Free(_burst.AsSpan(0, received));
        return received;
    }

    private void ReceiveBurst(MemoryPort port, WorkerContext context, NetworkStack stack)
    {
        int received = port.Receive(_burst);
        stack.Receive(_burst.AsSpan(0, received));
        context.Tx.Drain(port);
    }

    private void RunTimers()
    {
        long now = _clock.NowNanoseconds;
        _contextA.Timers.Advance(now);
        _stackA.Poll(now);
        _contextA.Tx.Drain(_portA);
        _contextB.Timers.Advance(now);
        _stackB.Poll(now);
        _contextB.Tx.Drain(_portB);
    }

    /// <summary>The monotonic clock (a real read per call, as a worker pays it) plus jumps for TIME_WAIT expiry.</summary>
    private sealed class SteppingClock : IClock
    {
        private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;
        private long _offset;

        public long NowNanoseconds => (long)(Stopwatch.GetTimestamp() * NanosecondsPerTick) + _offset;

        public void Advance(TimeSpan by) => _offset += by.Ticks * 100;
    }
}
