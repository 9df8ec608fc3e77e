using FastPath.Engine.Memory;

namespace FastPath.Engine.Ports;

/// <summary>
/// The faults of one direction of a <see cref="FaultInjectingPort"/>: frames go in through
/// <see cref="Accept"/>, lose, gain or change bytes, may wait in a hold (reordering) and wait in a timed
/// FIFO (delay, and room for frames the next hop refused), and come out through <see cref="PeekDue"/> and
/// <see cref="Pop"/>. Every buffer is sized up front; nothing allocates per frame.
/// </summary>
internal sealed class FaultStage
{
    /// <summary>A frame and its duplicate: the most one accepted frame adds to the queue.</summary>
    public const int MaxOutputsPerInput = 2;

    /// <summary>Frames held back at once; beyond it a frame picked for reordering simply goes on.</summary>
    private const int HoldCapacity = 64;

    private readonly FramePool _pool;
    private readonly double _lossRate;
    private readonly double _duplicateRate;
    private readonly double _reorderRate;
    private readonly double _corruptRate;
    private readonly int _reorderDepth;
    private readonly long _reorderTimeoutTicks;
    private readonly long _delayTicks;
    private readonly TimedPacketQueue _queue;
    private readonly Packet[] _held = new Packet[HoldCapacity];
    private readonly int[] _heldRemaining = new int[HoldCapacity];
    private readonly long[] _heldUntil = new long[HoldCapacity];
    private int _heldCount;
    private FaultRandom _random;
    private FaultCounters _counters;

    public FaultStage(FaultOptions options, ulong seed, FramePool pool)
    {
        _pool = pool;
        _lossRate = options.LossRate;
        _duplicateRate = options.DuplicateRate;
        _reorderRate = options.ReorderRate;
        _corruptRate = options.CorruptRate;
        _reorderDepth = options.ReorderDepth;
        _reorderTimeoutTicks = ToTicks(options.ReorderTimeout, options.TimeProvider.TimestampFrequency);
        _delayTicks = ToTicks(options.Delay, options.TimeProvider.TimestampFrequency);
        _queue = new TimedPacketQueue(options.QueueCapacity);
        _random = new FaultRandom(seed);
    }

    public FaultCounters Counters => _counters;

    /// <summary>
    /// Room for one more frame: the queue keeps a slot for each held frame, plus room for a frame and its
    /// duplicate, so nothing that was accepted ever has to be dropped for lack of space.
    /// </summary>
    public bool CanAccept => _queue.Free - _heldCount >= MaxOutputsPerInput;

    /// <summary>How many frames can be accepted now, whatever the faults do to them.</summary>
    public int AcceptCapacity => Math.Max(0, (_queue.Free - _heldCount) / MaxOutputsPerInput);

    /// <summary>Frames waiting in the stage (queued or held).</summary>
    public int Pending => _queue.Count + _heldCount;

    /// <summary>Takes <paramref name="packet"/> (it now belongs to the stage) and applies the faults drawn for it.</summary>
    public void Accept(Packet packet, long now)
    {
        if (_lossRate > 0 && _random.Chance(_lossRate))
        {
            _pool.Free(packet);
            _counters.Lost++;
            return;
        }
        if (_corruptRate > 0 && _random.Chance(_corruptRate) && packet.Length > 0)
        {
            Span<byte> bytes = _pool.Region.GetSpan(packet);
            bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
            _counters.Corrupted++;
        }
        bool duplicate = _duplicateRate > 0 && _random.Chance(_duplicateRate);
        Emit(packet, now);
        if (duplicate && TryCopy(packet, out Packet copy)) Emit(copy, now);
    }

    /// <summary>Copies the frames due at <paramref name="now"/>, oldest first, without taking them out.</summary>
    public int PeekDue(long now, Span<Packet> destination)
    {
        ReleaseExpiredHolds(now);
        return _queue.PeekDue(now, destination);
    }

    /// <summary>Takes out the first <paramref name="count"/> frames that <see cref="PeekDue"/> showed (they were sent).</summary>
    public void Pop(int count) => _queue.Pop(count);

    /// <summary>Frees every frame in the stage to the pool (on dispose).</summary>
    public void FreeAll()
    {
        while (_queue.TryPop(out Packet packet)) _pool.Free(packet);
        for (int i = 0; i < _heldCount; i++) _pool.Free(_held[i]);
        _heldCount = 0;
    }

    private void Emit(in Packet packet, long now)
    {
        if (_reorderRate > 0 && _random.Chance(_reorderRate) && _heldCount < HoldCapacity)
        {
            _held[_heldCount] = packet;
            _heldRemaining[_heldCount] = _reorderDepth;
            _heldUntil[_heldCount] = SaturatingAdd(now, _reorderTimeoutTicks);
            _heldCount++;
            _counters.Reordered++;
            return;
        }
        Enqueue(packet, now);
        // This frame overtook every held one; those it was the last of go out right behind it.
        for (int i = 0; i < _heldCount;)
        {
            if (--_heldRemaining[i] == 0) ReleaseHeld(i, now);
            else i++;
        }
    }

    private void ReleaseExpiredHolds(long now)
    {
        for (int i = 0; i < _heldCount;)
        {
            if (_heldUntil[i] <= now) ReleaseHeld(i, now);
            else i++;
        }
    }

    private void ReleaseHeld(int index, long now)
    {
        Enqueue(_held[index], now);
        _heldCount--;
        // Keep the holds in arrival order, so frames released together leave in the order they came.
        for (int j = index; j < _heldCount; j++)
        {
            _held[j] = _held[j + 1];
            _heldRemaining[j] = _heldRemaining[j + 1];
            _heldUntil[j] = _heldUntil[j + 1];
        }
    }

    private void Enqueue(in Packet packet, long now)
    {
        _queue.Push(packet, SaturatingAdd(now, _delayTicks));
        if (_delayTicks > 0) _counters.Delayed++;
    }

    private bool TryCopy(in Packet packet, out Packet copy)
    {
        if (!_pool.TryAllocate(out Packet frame))
        {
            copy = default;
            _counters.DuplicateFailed++;
            return false;
        }
        // Same offset as the original, so the copy fits even when the original grew into its headroom.
        copy = new Packet(frame.Frame, packet.Offset, packet.Length);
        _pool.Region.GetSpan(packet).CopyTo(_pool.Region.GetSpan(copy));
        _counters.Duplicated++;
        return true;
    }

    private static long ToTicks(TimeSpan span, long frequency) =>
        span == Timeout.InfiniteTimeSpan || span.TotalSeconds * frequency >= long.MaxValue
            ? long.MaxValue
            : (long)(span.TotalSeconds * frequency);

    private static long SaturatingAdd(long now, long ticks) => ticks > long.MaxValue - now ? long.MaxValue : now + ticks;
}
