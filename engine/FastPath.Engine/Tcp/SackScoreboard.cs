using FastPath.Wire.Tcp;

namespace FastPath.Engine.Tcp;

/// <summary>
/// The sender's record of what the peer has selectively acknowledged above SND.UNA (RFC 6675 section 3),
/// as sorted, disjoint, non-touching ranges of sequence numbers. At most <see cref="MaxRanges"/> are kept:
/// when a new range does not fit, the highest range gives way (or the new one, when it is the highest).
/// Forgetting a SACK is safe (the bytes are merely retransmitted again); claiming bytes the peer never
/// had would not be, so ranges are never widened to make room.
/// </summary>
internal sealed class SackScoreboard
{
    public const int MaxRanges = 32;

    /// <summary>RFC 6675 section 2: DupThresh.</summary>
    public const int DuplicateThreshold = 3;

    /// <summary>No window is larger (RFC 7323 section 2.3: 2^30 with the largest scale), so a block past it is garbage.</summary>
    private const uint MaximumSpan = 1u << 30;

    private readonly uint[] _starts = new uint[MaxRanges];
    private readonly uint[] _ends = new uint[MaxRanges]; // exclusive
    private int _count;
    private uint _sndUna;

    public bool HasSacks => _count > 0;

    /// <summary>Bytes currently marked as SACKed.</summary>
    public int SackedBytes { get; private set; }

    public int RangeCount => _count;

    /// <summary>Just past the highest SACKed byte (SND.UNA when there is none).</summary>
    public uint HighestSacked => _count > 0 ? _ends[_count - 1] : _sndUna;

    /// <summary>
    /// Records the SACK blocks of an ACK whose cumulative acknowledgement is <paramref name="sndUna"/>. Blocks
    /// at or below it (a D-SACK, RFC 2883, or an old one) and malformed blocks are ignored.
    /// </summary>
    public void Update(uint sndUna, ReadOnlySpan<TcpSackBlock> blocks)
    {
        AdvanceTo(sndUna);
        foreach (TcpSackBlock block in blocks)
        {
            uint left = block.Left, right = block.Right;
            if (right - left - 1 >= MaximumSpan) continue;          // empty, reversed or absurdly long
            if (TcpSequence.LessOrEqual(right, _sndUna)) continue;   // already cumulatively acknowledged
            if (right - _sndUna > MaximumSpan) continue;             // beyond any window
            if (TcpSequence.LessThan(left, _sndUna)) left = _sndUna; // partly acknowledged: keep the rest
            Add(left, right);
        }
    }

    /// <summary>The cumulative ACK moved: everything below it leaves the scoreboard (RFC 6675 section 5 step B).</summary>
    public void AdvanceTo(uint sndUna)
    {
        if (_count == 0)
        {
            _sndUna = sndUna;
            return;
        }
        if (TcpSequence.LessOrEqual(sndUna, _sndUna)) return; // an old ACK, reordered
        _sndUna = sndUna;
        int drop = 0;
        while (drop < _count && TcpSequence.LessOrEqual(_ends[drop], sndUna))
        {
            SackedBytes -= (int)(_ends[drop] - _starts[drop]);
            drop++;
        }
        Remove(0, drop);
        if (_count > 0 && TcpSequence.LessThan(_starts[0], sndUna))
        {
            SackedBytes -= (int)(sndUna - _starts[0]);
            _starts[0] = sndUna;
        }
    }

    public bool IsSacked(uint sequence)
    {
        for (int i = 0; i < _count; i++)
        {
            if (TcpSequence.LessThan(sequence, _starts[i])) return false;
            if (TcpSequence.LessThan(sequence, _ends[i])) return true;
        }
        return false;
    }

    /// <summary>
    /// RFC 6675 section 4, IsLost: DupThresh discontiguous SACKed ranges above the byte, or more than
    /// (DupThresh - 1) * MSS SACKed bytes above it (with full segments: three of them).
    /// </summary>
    public bool IsLost(uint sequence, int mss)
    {
        long sackedAbove = 0;
        int rangesAbove = 0;
        for (int i = _count - 1; i >= 0; i--)
        {
            if (TcpSequence.LessOrEqual(_ends[i], sequence + 1))
            {
                if (TcpSequence.GreaterThan(_ends[i], sequence)) return false; // the byte itself is SACKed
                break;
            }
            if (TcpSequence.LessOrEqual(_starts[i], sequence)) return false;   // inside this range: SACKed
            sackedAbove += _ends[i] - _starts[i];
            rangesAbove++;
        }
        return rangesAbove >= DuplicateThreshold || sackedAbove > (long)(DuplicateThreshold - 1) * mss;
    }

    /// <summary>
    /// The first un-SACKed bytes at or after <paramref name="from"/> (and SND.UNA) that lie below both
    /// <see cref="HighestSacked"/> and <paramref name="sndNxt"/>, at most one MSS: the candidate of RFC 6675
    /// NextSeg rule 1 (the caller checks IsLost and HighRxt).
    /// </summary>
    public bool TryNextHole(uint from, uint sndNxt, int mss, out uint start, out int length)
    {
        uint position = TcpSequence.Max(from, _sndUna);
        for (int i = 0; i < _count; i++)
        {
            if (TcpSequence.GreaterOrEqual(position, _ends[i])) continue;
            if (TcpSequence.GreaterOrEqual(position, _starts[i]))
            {
                position = _ends[i]; // inside a SACKed range: the hole, if any, starts after it
                continue;
            }
            uint holeEnd = TcpSequence.Min(_starts[i], sndNxt);
            if (TcpSequence.GreaterOrEqual(position, holeEnd)) break;
            start = position;
            length = (int)Math.Min(holeEnd - position, (uint)mss);
            return true;
        }
        start = 0;
        length = 0;
        return false;
    }

    public void Clear()
    {
        _count = 0;
        SackedBytes = 0;
    }

    private void Add(uint left, uint right)
    {
        // Ranges that overlap or touch [left, right) merge with it: first..last in sorted order.
        int first = 0;
        while (first < _count && TcpSequence.LessThan(_ends[first], left)) first++;
        int last = first - 1;
        while (last + 1 < _count && TcpSequence.LessOrEqual(_starts[last + 1], right)) last++;

        if (last < first)
        {
            if (_count == MaxRanges)
            {
                if (first == _count) return; // the new range would be the highest: it is the one to go
                SackedBytes -= (int)(_ends[_count - 1] - _starts[_count - 1]);
                _count--;
            }
            Array.Copy(_starts, first, _starts, first + 1, _count - first);
            Array.Copy(_ends, first, _ends, first + 1, _count - first);
            _count++;
            _starts[first] = left;
            _ends[first] = right;
            SackedBytes += (int)(right - left);
            return;
        }

        uint start = TcpSequence.Min(left, _starts[first]);
        uint end = TcpSequence.Max(right, _ends[last]);
        for (int i = first; i <= last; i++) SackedBytes -= (int)(_ends[i] - _starts[i]);
        Remove(first + 1, last - first);
        _starts[first] = start;
        _ends[first] = end;
        SackedBytes += (int)(end - start);
    }

    private void Remove(int index, int count)
    {
        if (count == 0) return;
        Array.Copy(_starts, index + count, _starts, index, _count - index - count);
        Array.Copy(_ends, index + count, _ends, index, _count - index - count);
        _count -= count;
    }
}
