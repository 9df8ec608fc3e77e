namespace FastPath.Wire.Tcp;

/// <summary>
/// Up to four SACK blocks held inline, so that a <see cref="TcpRepr"/> carries them without an array.
/// Four is what fits in the 40-byte options area (RFC 2018 section 3).
/// </summary>
public readonly struct TcpSackBlocks : IEquatable<TcpSackBlocks>
{
    public const int MaxCount = 4;

    private readonly TcpSackBlock _block0, _block1, _block2, _block3;

    public TcpSackBlocks(ReadOnlySpan<TcpSackBlock> blocks)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blocks.Length, MaxCount, nameof(blocks));
        Count = blocks.Length;
        if (blocks.Length > 0) _block0 = blocks[0];
        if (blocks.Length > 1) _block1 = blocks[1];
        if (blocks.Length > 2) _block2 = blocks[2];
        if (blocks.Length > 3) _block3 = blocks[3];
    }

    private TcpSackBlocks(int count, TcpSackBlock block0, TcpSackBlock block1, TcpSackBlock block2, TcpSackBlock block3)
    {
        Count = count;
        _block0 = block0;
        _block1 = block1;
        _block2 = block2;
        _block3 = block3;
    }

    /// <summary>How many blocks are held (0 when the segment had no SACK option).</summary>
    public int Count { get; }

    public TcpSackBlock this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return index switch
            {
                0 => _block0,
                1 => _block1,
                2 => _block2,
                _ => _block3,
            };
        }
    }

    /// <summary>
    /// The blocks of a SACK option's data (8 bytes each, 1 to 4 blocks). The caller (the option
    /// enumerator) has validated the length.
    /// </summary>
    internal static TcpSackBlocks FromOptionData(ReadOnlySpan<byte> data)
    {
        int count = data.Length / 8;
        return new TcpSackBlocks(
            count,
            count > 0 ? TcpOption.ReadSackBlock(data, 0) : default,
            count > 1 ? TcpOption.ReadSackBlock(data, 1) : default,
            count > 2 ? TcpOption.ReadSackBlock(data, 2) : default,
            count > 3 ? TcpOption.ReadSackBlock(data, 3) : default);
    }

    public bool Equals(TcpSackBlocks other)
    {
        if (Count != other.Count) return false;
        for (int i = 0; i < Count; i++)
        {
            if (this[i] != other[i]) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is TcpSackBlocks other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Count);
        for (int i = 0; i < Count; i++) hash.Add(this[i]);
        return hash.ToHashCode();
    }

    public override string ToString() => Count switch
    {
        0 => "[]",
        1 => $"[{_block0}]",
        2 => $"[{_block0}, {_block1}]",
        3 => $"[{_block0}, {_block1}, {_block2}]",
        _ => $"[{_block0}, {_block1}, {_block2}, {_block3}]",
    };

    public static bool operator ==(TcpSackBlocks left, TcpSackBlocks right) => left.Equals(right);
    public static bool operator !=(TcpSackBlocks left, TcpSackBlocks right) => !left.Equals(right);
}
