using System.Diagnostics;
using System.Runtime.CompilerServices;
using FastPath.Apps.Sink;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;

namespace FastPath.Apps.Generator;

/// <summary>
/// One generator worker: builds bursts of frames from its streams' templates, paces them, hands them to its
/// port, and (when measuring) takes back the frames that return. Everything it needs is allocated before
/// the first frame; the loop allocates nothing.
/// <para>
/// Pacing is a schedule, not a sleep: each rated stream has the time its next frame is due (Stopwatch
/// ticks), advanced by one frame's share of the rate; the loop busy-waits on the clock and sends what is due.
/// A worker that falls behind (descheduled, a full ring) sends what it owes in bursts of at most
/// <see cref="PacedBurst"/> frames, so the count over any second stays the rate's, and bursts stay short.
/// </para>
/// </summary>
internal sealed class GeneratorLoop
{
    public const int BurstSize = 64;

    /// <summary>The most frames one paced step sends when behind its schedule.</summary>
    public const int PacedBurst = 16;

    /// <summary>How long the drain waits for the kernel to complete what the port took.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private readonly IPacketPort _port;
    private readonly FramePool _pool;
    private readonly FrameRegion _region;
    private readonly StreamFrameBuilder[] _builders;
    private readonly int[] _tags;
    private readonly GeneratorSettings _settings;
    private readonly Packet[] _burst = new Packet[BurstSize];
    private readonly int[] _burstStream = new int[BurstSize];
    private readonly Packet[] _received = new Packet[BurstSize];
    private readonly long[] _streamPackets;
    private readonly long[] _streamBytes;
    private readonly double[] _nextDue;
    private readonly double[] _ticksPerFrame;
    private readonly double[] _ticksPerWireBit;
    private readonly bool[] _isMax;
    private readonly int[] _maxStreams;
    private readonly bool _allMax;
    private readonly SignatureStatistics? _returns;
    private int _nextMax;
    private long _returnedPackets;
    private long _returnedBytes;

    public GeneratorLoop(IPacketPort port, IReadOnlyList<StreamSpec> streams, GeneratorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(settings);
        if (streams.Count == 0) throw new ArgumentException("no stream to send", nameof(streams));
        ArgumentOutOfRangeException.ThrowIfNegative(settings.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Workers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.Worker);
        foreach (StreamSpec stream in streams)
        {
            if (stream.FindProblem(port.Info.Mtu) is { } problem) throw new ArgumentException(problem, nameof(streams));
        }
        _port = port;
        _pool = port.Pool;
        _region = _pool.Region;
        if (streams.Max(s => s.Sizes.Largest) > _region.FrameSize - _pool.Headroom)
            throw new ArgumentException($"frames of {streams.Max(s => s.Sizes.Largest)} bytes do not fit the port's {_region.FrameSize}-byte buffers", nameof(streams));
        _settings = settings;
        _tags = new int[_pool.Capacity];
        _builders = new StreamFrameBuilder[streams.Count];
        int tag = 1;
        for (int i = 0; i < streams.Count; i++)
        {
            long start = streams[i].FlowCount / settings.Workers * settings.Worker;
            _builders[i] = new StreamFrameBuilder(streams[i], (byte)settings.Worker, tag, start, settings.RewriteFrames);
            tag += _builders[i].VariantCount;
        }
        _streamPackets = new long[streams.Count];
        _streamBytes = new long[streams.Count];
        _nextDue = new double[streams.Count];
        _ticksPerFrame = new double[streams.Count];
        _ticksPerWireBit = new double[streams.Count];
        _isMax = new bool[streams.Count];
        double share = 1.0 / settings.Workers;
        for (int i = 0; i < streams.Count; i++)
        {
            TransmitRate rate = streams[i].Rate.Scaled(share);
            _isMax[i] = rate.IsMax;
            if (rate.Unit == RateUnit.PacketsPerSecond) _ticksPerFrame[i] = Stopwatch.Frequency / rate.Value;
            if (rate.Unit == RateUnit.BitsPerSecond) _ticksPerWireBit[i] = Stopwatch.Frequency / rate.Value;
        }
        _maxStreams = Enumerable.Range(0, streams.Count).Where(i => _isMax[i]).ToArray();
        _allMax = _maxStreams.Length == streams.Count;
        if (settings.Measure) _returns = new SignatureStatistics();
    }

    public GeneratorResult Run(CancellationToken stop)
    {
        StampFreeFrames();
        int idleInUse = _pool.InUse;
        long count = _settings.Count;
        long built = 0, sent = 0, bytes = 0;
        int pendingStart = 0, pendingEnd = 0;
        long start = Stopwatch.GetTimestamp();
        long deadline = _settings.Duration is { } limit ? start + (long)(limit.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        long giveUp = deadline == long.MaxValue ? long.MaxValue : deadline + Stopwatch.Frequency;
        for (int i = 0; i < _nextDue.Length; i++) _nextDue[i] = start;
        LiveCounters? counters = _settings.Counters;

        while (!stop.IsCancellationRequested)
        {
            if (pendingStart == pendingEnd)
            {
                int want = count == 0 ? BurstSize : (int)Math.Min(BurstSize, count - built);
                if (want == 0) break;
                long now = Stopwatch.GetTimestamp();
                // At the end of the duration, frames of rated streams that fell due before it still go out
                // (a worker descheduled near the end owes them); streams without a rate stop at once.
                bool ending = now >= deadline;
                if (ending && _allMax) break;
                pendingStart = 0;
                pendingEnd = _allMax ? FillMax(want) : FillPaced(ending ? deadline - 1 : now, Math.Min(want, PacedBurst), withMax: !ending);
                built += pendingEnd;
                if (pendingEnd == 0)
                {
                    if (ending) break;
                    // Nothing due yet (or the pool is dry until completions come back): keep the port moving
                    // and spin on the clock.
                    _port.Flush();
                    if (_returns != null) ReceiveReturns();
                    continue;
                }
            }

            int accepted = _port.Transmit(_burst.AsSpan(pendingStart, pendingEnd - pendingStart));
            for (int i = pendingStart; i < pendingStart + accepted; i++)
            {
                int length = _burst[i].Length;
                int stream = _burstStream[i];
                _streamPackets[stream]++;
                _streamBytes[stream] += length;
                bytes += length;
            }
            pendingStart += accepted;
            sent += accepted;
            _port.Flush();
            if (_returns != null) ReceiveReturns();
            counters?.PublishTransmit(sent, bytes);
            // A port that takes nothing for a second past the end (link down, ring wedged) ends the run.
            if (accepted == 0 && Stopwatch.GetTimestamp() >= giveUp) break;
        }

        // Frames built and never taken (stopped while the ring was full): back to the pool, not counted.
        if (pendingEnd > pendingStart) _pool.Free(_burst.AsSpan(pendingStart, pendingEnd - pendingStart));
        Drain(idleInUse);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        if (_returns != null) Linger();
        counters?.PublishTransmit(sent, bytes);

        var tallies = new StreamTally[_builders.Length];
        for (int i = 0; i < tallies.Length; i++) tallies[i] = new StreamTally(_builders[i].Spec.Id, _streamPackets[i], _streamBytes[i]);
        return new GeneratorResult(sent, bytes, elapsed, _port.Stats)
        {
            Streams = tallies,
            Returns = _returns,
            ReturnedPackets = _returnedPackets,
        };
    }

    /// <summary>A burst from streams without a rate: every frame the pool gives, round robin over the streams.</summary>
    private int FillMax(int want)
    {
        Span<Packet> packets = _burst.AsSpan(0, _pool.AllocateBurst(_burst.AsSpan(0, want)));
        long now = FrameSignature.NowNanoseconds();
        if (_builders.Length == 1)
        {
            StreamFrameBuilder builder = _builders[0];
            for (int i = 0; i < packets.Length; i++)
            {
                ref Packet packet = ref packets[i];
                packet.Length = (ushort)builder.Build(_region.GetWritableSpan(packet), ref TagOf(packet), now);
                _burstStream[i] = 0;
            }
            return packets.Length;
        }
        for (int i = 0; i < packets.Length; i++)
        {
            int stream = _maxStreams[_nextMax];
            _nextMax = _nextMax + 1 == _maxStreams.Length ? 0 : _nextMax + 1;
            ref Packet packet = ref packets[i];
            packet.Length = (ushort)_builders[stream].Build(_region.GetWritableSpan(packet), ref TagOf(packet), now);
            _burstStream[i] = stream;
        }
        return packets.Length;
    }

    /// <summary>
    /// The frames due at <paramref name="now"/>: the rated stream whose next frame is earliest goes first,
    /// then (<paramref name="withMax"/>) streams without a rate fill the rest of the burst.
    /// </summary>
    private int FillPaced(long now, int want, bool withMax)
    {
        int n = 0;
        long stamp = 0;
        while (n < want)
        {
            int stream = NextDueStream(now, withMax);
            if (stream < 0 || !_pool.TryAllocate(out Packet packet)) break;
            if (n == 0) stamp = FrameSignature.NowNanoseconds();
            int length = _builders[stream].Build(_region.GetWritableSpan(packet), ref TagOf(packet), stamp);
            packet.Length = (ushort)length;
            _burst[n] = packet;
            _burstStream[n] = stream;
            n++;
            if (!_isMax[stream])
                _nextDue[stream] += _ticksPerFrame[stream] != 0 ? _ticksPerFrame[stream] : TransmitRate.WireBits(length) * _ticksPerWireBit[stream];
        }
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int NextDueStream(long now, bool withMax)
    {
        int best = -1;
        double earliest = now;
        for (int i = 0; i < _nextDue.Length; i++)
        {
            if (!_isMax[i] && _nextDue[i] <= earliest)
            {
                earliest = _nextDue[i];
                best = i;
            }
        }
        if (best >= 0 || _maxStreams.Length == 0 || !withMax) return best;
        int stream = _maxStreams[_nextMax];
        _nextMax = _nextMax + 1 == _maxStreams.Length ? 0 : _nextMax + 1;
        return stream;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref int TagOf(in Packet packet) => ref _tags[(int)(packet.Frame - (uint)_pool.FirstFrame)];

    /// <summary>Takes in frames that came back; their signatures give the round trip. The frames' tags are cleared: they hold what was received.</summary>
    private void ReceiveReturns()
    {
        int n = _port.Receive(_received);
        if (n == 0) return;
        long now = FrameSignature.NowNanoseconds();
        Span<Packet> received = _received.AsSpan(0, n);
        foreach (ref readonly Packet packet in received)
        {
            Span<byte> frame = _region.GetSpan(packet);
            _returnedBytes += frame.Length;
            if (FrameSignature.TryRead(frame, out SignatureRecord signature)) _returns!.Record(signature, now);
            TagOf(packet) = 0;
        }
        _returnedPackets += n;
        _pool.Free(received);
        _settings.Counters?.PublishReceive(_returnedPackets, _returnedBytes, _returns!.Lost);
    }

    /// <summary>Keeps receiving until no frame has come back for <see cref="GeneratorSettings.MeasureLinger"/>.</summary>
    private void Linger()
    {
        long quiet = (long)(_settings.MeasureLinger.TotalSeconds * Stopwatch.Frequency);
        long last = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() - last < quiet)
        {
            long before = _returnedPackets;
            ReceiveReturns();
            if (_returnedPackets != before) last = Stopwatch.GetTimestamp();
            else Thread.SpinWait(64);
        }
    }

    /// <summary>Writes the first stream's first template into every frame the pool holds now: a fixed stream then only patches its changing bytes.</summary>
    private void StampFreeFrames()
    {
        var all = new Packet[_pool.Available];
        int n = _pool.AllocateBurst(all);
        foreach (Packet packet in all.AsSpan(0, n)) _builders[0].Stamp(_region.GetWritableSpan(packet), ref TagOf(packet));
        _pool.Free(all.AsSpan(0, n));
    }

    /// <summary>Kicks the port until the frames it took are back in the pool (sent), or the timeout.</summary>
    private void Drain(int idleInUse)
    {
        long giveUp = Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (_pool.InUse > idleInUse && Stopwatch.GetTimestamp() < giveUp)
        {
            _port.Flush();
            if (_returns != null) ReceiveReturns();
            Thread.SpinWait(64);
        }
    }
}
