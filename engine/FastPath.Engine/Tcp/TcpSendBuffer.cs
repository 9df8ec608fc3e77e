namespace FastPath.Engine.Tcp;

/// <summary>
/// The bytes a connection has accepted from the application and not yet had acknowledged: a ring whose
/// oldest byte is SND.UNA (RFC 9293 section 3.3.1). Retransmissions read again from any offset, so bytes
/// leave only when <see cref="Consume"/> says the peer acknowledged them. The capacity is a power of two
/// so positions wrap with a mask.
/// </summary>
internal sealed class TcpSendBuffer
{
    private readonly byte[] _buffer;
    private readonly int _mask;
    private int _head;   // index of the oldest unacknowledged byte
    private int _count;

    public TcpSendBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (!int.IsPow2(capacity)) throw new ArgumentException($"The send buffer capacity {capacity} is not a power of two.", nameof(capacity));
        _buffer = new byte[capacity];
        _mask = capacity - 1;
    }

    public int Capacity => _buffer.Length;

    public int Count => _count;

    public int Free => _buffer.Length - _count;

    /// <summary>Appends what fits; returns the bytes taken (fewer than offered is back-pressure).</summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        int length = Math.Min(data.Length, Free);
        if (length == 0) return 0;
        int tail = (_head + _count) & _mask;
        int first = Math.Min(length, _buffer.Length - tail);
        data[..first].CopyTo(_buffer.AsSpan(tail));
        data[first..length].CopyTo(_buffer);
        _count += length;
        return length;
    }

    /// <summary>
    /// Copies buffered bytes starting <paramref name="offset"/> bytes after SND.UNA; returns how many, which
    /// is less than the destination when the buffer ends first.
    /// </summary>
    public int CopyOut(int offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= _count) return 0;
        int length = Math.Min(destination.Length, _count - offset);
        int start = (_head + offset) & _mask;
        int first = Math.Min(length, _buffer.Length - start);
        _buffer.AsSpan(start, first).CopyTo(destination);
        _buffer.AsSpan(0, length - first).CopyTo(destination[first..]);
        return length;
    }

    /// <summary>Drops the oldest bytes, which the peer has acknowledged.</summary>
    public void Consume(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _count);
        _head = (_head + count) & _mask;
        _count -= count;
        // An empty ring restarts at 0 so the next writes are contiguous (one copy instead of two).
        if (_count == 0) _head = 0;
    }

    public void Clear()
    {
        _head = 0;
        _count = 0;
    }
}
