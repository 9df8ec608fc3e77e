using System.Numerics;
using FastPath.Engine.Memory;

namespace FastPath.Engine.Ports;

/// <summary>
/// A bounded FIFO of frames, each with the timestamp from which it may leave. Deadlines are pushed in
/// non-decreasing order (one fixed delay), so the head is always the first frame due.
/// </summary>
internal sealed class TimedPacketQueue
{
    private readonly Packet[] _packets;
    private readonly long[] _due;
    private readonly int _mask;
    private long _head;
    private long _tail;

    public TimedPacketQueue(int capacity)
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)capacity);
        _packets = new Packet[size];
        _due = new long[size];
        _mask = size - 1;
    }

    public int Count => (int)(_tail - _head);
    public int Free => _packets.Length - Count;

    public void Push(in Packet packet, long due)
    {
        if (Free == 0) throw new InvalidOperationException("timed queue overflow: the fault stage reserves room before it accepts a frame");
        int slot = (int)_tail & _mask;
        _packets[slot] = packet;
        _due[slot] = due;
        _tail++;
    }

    /// <summary>Copies the frames due at <paramref name="now"/> from the head, without removing them.</summary>
    public int PeekDue(long now, Span<Packet> destination)
    {
        int n = 0;
        for (long i = _head; i < _tail && n < destination.Length; i++)
        {
            int slot = (int)i & _mask;
            if (_due[slot] > now) break;
            destination[n++] = _packets[slot];
        }
        return n;
    }

    /// <summary>Removes <paramref name="count"/> frames from the head.</summary>
    public void Pop(int count) => _head += count;

    /// <summary>Removes and returns the head frame, whether due or not.</summary>
    public bool TryPop(out Packet packet)
    {
        if (_head == _tail)
        {
            packet = default;
            return false;
        }
        packet = _packets[(int)_head & _mask];
        _head++;
        return true;
    }
}
