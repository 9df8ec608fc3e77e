using System.Diagnostics;
using System.Security.Cryptography;
using FastPath.Engine.Ports;
using FastPath.Engine.Tcp;

namespace FastPath.Engine.Tests.Tcp;

/// <summary>
/// Bulk transfers between two stacks, both directions at once, over a wire that loses, reorders and
/// duplicates frames: what arrives must be exactly what was sent (SHA-256 of each stream), every frame
/// must come back to its pool, and the steady state must not allocate. The fault ports run on the
/// harness's manual clock and a fixed seed, so a run is the same every time.
/// </summary>
public class TcpTransferTests
{
    private const long TransferBytes = 200L * 1024 * 1024;

    // Time passes only as the loop says: a little for each busy iteration (frames moving), a millisecond
    // for each idle one (everyone waiting on a timer: delayed ACK, RTO, reorder release).
    private const long BusyStepNanoseconds = 5_000;
    private const long IdleStepNanoseconds = 1_000_000;
    private const long GiveUpAfterIdleNanoseconds = 600_000_000_000; // ten simulated minutes without a byte delivered

    // GC.GetAllocatedBytesForCurrentThread moves in allocation-context quanta (8 KiB); a few are slack for the
    // runtime (tiering, a resized list in the test), but not one byte per segment.
    private const long AllocationBudgetBytes = 64 * 1024;

    [Theory]
    [InlineData(0.00)]
    [InlineData(0.01)]
    [InlineData(0.05)]
    public void Two_hundred_megabytes_each_way_at_once_arrive_intact(double lossRate) =>
        Transfer(TransferBytes, lossRate, reorderRate: 0.01, duplicateRate: 0.01, measureAllocations: true);

    /// <summary>
    /// Without loss nothing needs a timeout: a frame overtaken by three others is repaired by fast
    /// retransmit (or SACK says it arrived), a duplicate is acknowledged again (RFC 5681 3.2, RFC 6675).
    /// </summary>
    [Theory]
    [InlineData(0.01, 0.0)]
    [InlineData(0.0, 0.01)]
    public void Reordering_or_duplication_alone_never_needs_a_retransmission_timeout(double reorderRate, double duplicateRate)
    {
        var (client, server) = Transfer(20L * 1024 * 1024, 0, reorderRate, duplicateRate, measureAllocations: false);
        Assert.True(client.Timeouts == 0 && server.Timeouts == 0, $"spurious timeouts:\nclient {client}\nserver {server}");
    }

    private static (TcpConnectionStatistics Client, TcpConnectionStatistics Server) Transfer(long transferBytes, double lossRate,
        double reorderRate, double duplicateRate, bool measureAllocations)
    {
        FaultOptions Faults(long seed) => new()
        {
            Seed = seed,
            LossRate = lossRate,
            ReorderRate = reorderRate,
            DuplicateRate = duplicateRate,
        };
        using var h = TcpHarness.Pair(faultsA: Faults(6001), faultsB: Faults(6002), 
            capture: Environment.GetEnvironmentVariable("FASTPATH_TCP_CAPTURE") is string prefix ? $"{prefix}-{lossRate}-{reorderRate}-{duplicateRate}" : null);
        TcpHarness.Endpoint a = h.A!, b = h.B;

        using var fromA = new PatternStream(transferBytes, seed: 0x5A);
        using var fromB = new PatternStream(transferBytes, seed: 0xB5);
        using var toB = new HashingSink();
        using var toA = new HashingSink();

        TcpConnection? server = null;
        using TcpListener listener = b.Tcp.Listen(5001);
        listener.Accepted = connection =>
        {
            server = connection;
            Wire(connection, fromB, toB);
        };
        TcpConnection client = a.Tcp.Connect(TcpHarness.IpB, 5001);
        Wire(client, fromA, toA);
        // The SYN or SYN-ACK may be lost too: give the handshake its retransmissions.
        for (int i = 0; i < 60_000 && (server is null || client.State != TcpState.Established); i++) h.Advance(TimeSpan.FromMilliseconds(1));
        Assert.NotNull(server);
        Assert.Equal(TcpState.Established, client.State);

        var wallClock = Stopwatch.StartNew();
        long allocatedAtQuarter = -1, allocatedAtThreeQuarters = -1;
        long segmentsAtQuarter = 0, segmentsAtThreeQuarters = 0;
        long lastProgress = h.Clock.NowNanoseconds, delivered = 0;
        while (!(toA.Finished && toB.Finished && fromA.Done && fromB.Done))
        {
            // No xunit assertion in here: they allocate, and this loop is measured.
            fromA.Pump(client);
            fromB.Pump(server);
            bool busy = h.Step();
            h.Clock.AdvanceNanoseconds(busy ? BusyStepNanoseconds : IdleStepNanoseconds);

            long minimum = Math.Min(toA.Received, toB.Received);
            // The counter snapshots allocate: taken before the window opens and after it closes.
            if (allocatedAtQuarter < 0 && minimum >= transferBytes / 4)
            {
                segmentsAtQuarter = Segments(h);
                allocatedAtQuarter = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (allocatedAtThreeQuarters < 0 && minimum >= transferBytes * 3 / 4)
            {
                allocatedAtThreeQuarters = GC.GetAllocatedBytesForCurrentThread();
                segmentsAtThreeQuarters = Segments(h);
            }
            if (toA.Received + toB.Received != delivered)
            {
                delivered = toA.Received + toB.Received;
                lastProgress = h.Clock.NowNanoseconds;
            }
            else if (h.Clock.NowNanoseconds - lastProgress > GiveUpAfterIdleNanoseconds)
            {
                Assert.Fail($"stalled: A->B {toB.Received} of {transferBytes}, B->A {toA.Received} of {transferBytes}; " +
                    $"client {client.State} {client.GetStatistics()}; server {server.State} {server.GetStatistics()}");
            }
        }
        wallClock.Stop();
        double simulatedSeconds = (h.Clock.NowNanoseconds - 1_000_000_000) / 1e9;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"loss {lossRate:P0}: {wallClock.Elapsed.TotalSeconds:F1} s wall, {simulatedSeconds:F2} s simulated; " +
            $"client {client.GetStatistics()}; server {server.GetStatistics()}; " +
            $"wire A {a.Wire.Stats}, faults A {a.Faults!.TransmitFaults}; wire B {b.Wire.Stats}, faults B {b.Faults!.TransmitFaults}; " +
            $"TX refused A {a.Context.Tx.Refused} B {b.Context.Tx.Refused}; steady state: {allocatedAtThreeQuarters - allocatedAtQuarter} bytes " +
            $"allocated over {segmentsAtThreeQuarters - segmentsAtQuarter} segments");

        Assert.Equal(transferBytes, toB.Received);
        Assert.Equal(transferBytes, toA.Received);
        Assert.Equal(fromA.Hash(), toB.Hash());
        Assert.Equal(fromB.Hash(), toA.Hash());

        if (measureAllocations)
        {
            long allocated = allocatedAtThreeQuarters - allocatedAtQuarter;
            long segments = segmentsAtThreeQuarters - segmentsAtQuarter;
            Assert.True(segments > 100_000, $"only {segments} segments in the measured window");
            Assert.True(allocated <= AllocationBudgetBytes,
                $"{allocated} bytes allocated over {segments} segments in the steady state ({(double)allocated / segments:F2} B/segment)");
        }

        FaultCounters faultsA = a.Faults!.TransmitFaults, faultsB = b.Faults!.TransmitFaults;
        Assert.True(reorderRate == 0 || faultsA.Reordered > 0 && faultsB.Reordered > 0, $"{faultsA} / {faultsB}");
        Assert.True(duplicateRate == 0 || faultsA.Duplicated > 0 && faultsB.Duplicated > 0, $"{faultsA} / {faultsB}");
        if (lossRate > 0)
        {
            Assert.True(faultsA.Lost > 0 && faultsB.Lost > 0, $"{faultsA} / {faultsB}");
            Assert.True(client.GetStatistics().Retransmissions > 0 && server.GetStatistics().Retransmissions > 0);
        }

        TcpConnectionStatistics clientStatistics = client.GetStatistics(), serverStatistics = server.GetStatistics();
        // Both closed (each sent its FIN after its last byte): one end waits in TIME_WAIT, then nothing is left.
        client.Close();
        server.Close();
        h.Advance(TimeSpan.FromSeconds(61), TimeSpan.FromMilliseconds(10));
        Assert.Equal(0, a.Tcp.ConnectionCount);
        Assert.Equal(0, b.Tcp.ConnectionCount);
        h.AssertAllFramesReturned();
        return (clientStatistics, serverStatistics);
    }

    private static long Segments(TcpHarness h) => h.A!.Tcp.GetCounters().SegmentsSent + h.B.Tcp.GetCounters().SegmentsSent;

    private static void Wire(TcpConnection connection, PatternStream source, HashingSink sink)
    {
        connection.SendSpaceAvailable = source.Pump;
        connection.DataReceived = sink.Drain;
    }

    /// <summary>
    /// A long deterministic stream: a pattern with a prime period (so no power-of-two ring offset error can
    /// hide in it) sent by slices of one array, hashed as the stack takes it. Shuts the connection down
    /// after the last byte.
    /// </summary>
    private sealed class PatternStream : IDisposable
    {
        private const int Period = 65_521;
        private const int MaxChunk = 64 * 1024;

        private readonly byte[] _pattern = new byte[Period + MaxChunk];
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly long _total;
        private long _sent;
        private bool _shutdown;

        public PatternStream(long total, int seed)
        {
            _total = total;
            for (int i = 0; i < _pattern.Length; i++)
            {
                int n = i % Period;
                _pattern[i] = (byte)(n * 31 + (n >> 8) + seed);
            }
        }

        public bool Done => _shutdown;

        public void Pump(TcpConnection? connection)
        {
            if (connection is null || _shutdown) return;
            while (_sent < _total)
            {
                int offset = (int)(_sent % Period);
                int chunk = (int)Math.Min(MaxChunk, _total - _sent);
                int taken = connection.Send(_pattern.AsSpan(offset, chunk));
                if (taken == 0) return;
                _hash.AppendData(_pattern.AsSpan(offset, taken));
                _sent += taken;
            }
            connection.Shutdown();
            _shutdown = true;
        }

        public byte[] Hash() => _hash.GetHashAndReset();

        public void Dispose() => _hash.Dispose();
    }

    /// <summary>Reads everything that arrives into one buffer, hashing it; notes the peer's FIN.</summary>
    private sealed class HashingSink : IDisposable
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public long Received { get; private set; }
        public bool Finished { get; private set; }

        public void Drain(TcpConnection connection)
        {
            int count;
            while ((count = connection.Receive(_buffer)) > 0)
            {
                _hash.AppendData(_buffer.AsSpan(0, count));
                Received += count;
            }
            if (connection.IsReceiveFinished) Finished = true;
        }

        public byte[] Hash() => _hash.GetHashAndReset();

        public void Dispose() => _hash.Dispose();
    }
}
