namespace FastPath.Fuzz.Tests.Mutation;

/// <summary>A frame being mutated: a buffer with room to grow and the current length.</summary>
internal sealed class Mutant
{
    public const int Capacity = 4096;

    public byte[] Buffer { get; } = new byte[Capacity];
    public int Length { get; set; }

    public Span<byte> Bytes => Buffer.AsSpan(0, Length);

    public void Load(ReadOnlySpan<byte> seed)
    {
        int length = Math.Min(seed.Length, Capacity);
        seed[..length].CopyTo(Buffer);
        Length = length;
    }

    /// <summary>Opens <paramref name="count"/> bytes at <paramref name="at"/> (zeroed), shifting the rest; false if no room.</summary>
    public bool Insert(int at, int count)
    {
        if (at < 0 || at > Length || Length + count > Capacity) return false;
        Buffer.AsSpan(at, Length - at).CopyTo(Buffer.AsSpan(at + count));
        Buffer.AsSpan(at, count).Clear();
        Length += count;
        return true;
    }

    /// <summary>Removes up to <paramref name="count"/> bytes at <paramref name="at"/>.</summary>
    public void Remove(int at, int count)
    {
        if (at < 0 || at >= Length) return;
        count = Math.Min(count, Length - at);
        Buffer.AsSpan(at + count, Length - at - count).CopyTo(Buffer.AsSpan(at));
        Length -= count;
    }
}
