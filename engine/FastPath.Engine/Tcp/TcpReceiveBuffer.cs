using FastPath.Wire.Tcp;

namespace FastPath.Engine.Tcp;

/// <summary>
/// The receive side of a connection: a ring of in-order bytes the application has not read yet, followed
/// by the rest of the advertised window where segments that arrive out of order are stored in place
/// (smoltcp's Assembler idea). The out-of-order ranges are kept sorted, disjoint and not touching, at most
/// <c>maxOutOfOrderRanges</c> of them, so the queue is bounded (RFC 9293 section 3.10.7.4 allows dropping
/// out-of-order segments; a bounded set keeps a hostile peer from making us track unbounded fragments).
/// Positions are 64-bit offsets in the byte stream, so neither ring wrap nor sequence wrap affects them;
/// sequence numbers appear only in <see cref="GetSackBlocks"/>.
/// </summary>
internal sealed class TcpReceiveBuffer
{
    private readonly byte[] _buffer;
    private readonly long[] _rangeStarts;  // stream positions, sorted ascending
    private readonly long[] _rangeEnds;    // exclusive
    private readonly long[] _rangeStamps;  // write counter of the latest write that touched the range
    private int _rangeCount;
    private int _outOfOrderBytes;
    private long _writeStamp;
    private int _readIndex;    // ring index of the first unread byte
    private int _available;    // in-order unread bytes
    private long _nextPosition; // stream position of RCV.NXT (just after the last in-order byte)

    public TcpReceiveBuffer(int capacity, int maxOutOfOrderRanges)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxOutOfOrderRanges);
        _buffer = new byte[capacity];
        _rangeStarts = new long[maxOutOfOrderRanges];
        _rangeEnds = new long[maxOutOfOrderRanges];
        _rangeStamps = new long[maxOutOfOrderRanges];
    }

    public int Capacity => _buffer.Length;

    /// <summary>In-order bytes ready for <see cref="Read"/>.</summary>
    public int Available => _available;

    /// <summary>What RCV.WND may offer: the space after the unread bytes (out-of-order data sits inside it).</summary>
    public int Window => _buffer.Length - _available;

    public int OutOfOrderRangeCount => _rangeCount;

    public int OutOfOrderBytes => _outOfOrderBytes;

    /// <summary>
    /// Stores a segment's payload that starts <paramref name="offset"/> bytes after RCV.NXT. Bytes past the
    /// window are trimmed (RFC 9293 section 3.10.7.4); bytes already held are written again, harmlessly.
    /// Returns false, storing nothing, only when the payload would need a new out-of-order range and the
    /// set is full; true otherwise, also when nothing of it fell inside the window.
    /// <paramref name="advanced"/> is how far RCV.NXT moves: this payload plus any out-of-order ranges it joined.
    /// </summary>
    public bool Write(int offset, ReadOnlySpan<byte> data, out int advanced)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        advanced = 0;
        int window = Window;
        if (offset >= window || data.IsEmpty) return true;
        int length = Math.Min(data.Length, window - offset);
        long start = _nextPosition + offset;
        long end = start + length;

        if (offset == 0)
        {
            CopyIn(0, data[..length]);
            long newNext = end;
            // The ranges the payload reaches (or touches) become in order; they are the lowest ones.
            int absorbed = 0;
            while (absorbed < _rangeCount && _rangeStarts[absorbed] <= newNext)
            {
                newNext = Math.Max(newNext, _rangeEnds[absorbed]);
                _outOfOrderBytes -= (int)(_rangeEnds[absorbed] - _rangeStarts[absorbed]);
                absorbed++;
            }
            RemoveRanges(0, absorbed);
            advanced = (int)(newNext - _nextPosition);
            _nextPosition = newNext;
            _available += advanced;
            return true;
        }

        // Ranges that overlap or touch [start, end) merge with it: first..last (inclusive) in sorted order.
        int first = 0;
        while (first < _rangeCount && _rangeEnds[first] < start) first++;
        int last = first - 1;
        while (last + 1 < _rangeCount && _rangeStarts[last + 1] <= end) last++;
        int merging = last - first + 1;
        if (merging == 0 && _rangeCount == _rangeStarts.Length) return false;

        CopyIn(offset, data[..length]);
        long mergedStart = start;
        long mergedEnd = end;
        for (int i = first; i <= last; i++)
        {
            mergedStart = Math.Min(mergedStart, _rangeStarts[i]);
            mergedEnd = Math.Max(mergedEnd, _rangeEnds[i]);
            _outOfOrderBytes -= (int)(_rangeEnds[i] - _rangeStarts[i]);
        }
        if (merging == 0)
        {
            Array.Copy(_rangeStarts, first, _rangeStarts, first + 1, _rangeCount - first);
            Array.Copy(_rangeEnds, first, _rangeEnds, first + 1, _rangeCount - first);
            Array.Copy(_rangeStamps, first, _rangeStamps, first + 1, _rangeCount - first);
            _rangeCount++;
        }
        else
        {
            RemoveRanges(first + 1, merging - 1);
        }
        _rangeStarts[first] = mergedStart;
        _rangeEnds[first] = mergedEnd;
        _rangeStamps[first] = ++_writeStamp;
        _outOfOrderBytes += (int)(mergedEnd - mergedStart);
        return true;
    }

    /// <summary>Copies in-order bytes out; returns how many (0 when none are ready).</summary>
    public int Read(Span<byte> destination)
    {
        int length = Math.Min(destination.Length, _available);
        if (length == 0) return 0;
        int first = Math.Min(length, _buffer.Length - _readIndex);
        _buffer.AsSpan(_readIndex, first).CopyTo(destination);
        _buffer.AsSpan(0, length - first).CopyTo(destination[first..]);
        _readIndex += length;
        if (_readIndex >= _buffer.Length) _readIndex -= _buffer.Length;
        _available -= length;
        // With nothing held, restart at index 0 so the next segments land in one piece.
        if (_available == 0 && _rangeCount == 0) _readIndex = 0;
        return length;
    }

    /// <summary>
    /// The out-of-order ranges as SACK blocks (RFC 2018 section 4): the range the most recent write went
    /// into first, then the others from the most recently written, as many as fit.
    /// </summary>
    public int GetSackBlocks(uint rcvNxt, Span<TcpSackBlock> destination)
    {
        int count = Math.Min(destination.Length, _rangeCount);
        long previousStamp = long.MaxValue;
        for (int written = 0; written < count; written++)
        {
            // Stamps are unique, so "the newest below the previous pick" walks them in order without marks.
            int newest = -1;
            for (int i = 0; i < _rangeCount; i++)
            {
                if (_rangeStamps[i] < previousStamp && (newest < 0 || _rangeStamps[i] > _rangeStamps[newest])) newest = i;
            }
            previousStamp = _rangeStamps[newest];
            destination[written] = new TcpSackBlock(
                unchecked(rcvNxt + (uint)(_rangeStarts[newest] - _nextPosition)),
                unchecked(rcvNxt + (uint)(_rangeEnds[newest] - _nextPosition)));
        }
        return count;
    }

    public void Clear()
    {
        _rangeCount = 0;
        _outOfOrderBytes = 0;
        _writeStamp = 0;
        _readIndex = 0;
        _available = 0;
        _nextPosition = 0;
    }

    /// <summary>Copies bytes to the ring at <paramref name="offset"/> bytes after RCV.NXT (inside the window).</summary>
    private void CopyIn(int offset, ReadOnlySpan<byte> data)
    {
        int index = _readIndex + _available + offset;
        if (index >= _buffer.Length) index -= _buffer.Length;
        int first = Math.Min(data.Length, _buffer.Length - index);
        data[..first].CopyTo(_buffer.AsSpan(index));
        data[first..].CopyTo(_buffer);
    }

    private void RemoveRanges(int index, int count)
    {
        if (count == 0) return;
        int after = _rangeCount - index - count;
        Array.Copy(_rangeStarts, index + count, _rangeStarts, index, after);
        Array.Copy(_rangeEnds, index + count, _rangeEnds, index, after);
        Array.Copy(_rangeStamps, index + count, _rangeStamps, index, after);
        _rangeCount -= count;
    }
}
