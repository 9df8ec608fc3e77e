using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Igmp;

/// <summary>The source addresses of an IGMPv3 query or group record, read from the view without copying.</summary>
public ref struct IgmpSourceEnumerator
{
    private readonly ReadOnlySpan<byte> _sources;
    private int _offset;

    /// <param name="sources">Four bytes per address; the parser has checked the length.</param>
    internal IgmpSourceEnumerator(ReadOnlySpan<byte> sources)
    {
        _sources = sources;
        _offset = -Ipv4Address.Length;
    }

    public readonly int Count => _sources.Length / Ipv4Address.Length;

    public readonly Ipv4Address Current => new(_sources.Slice(_offset, Ipv4Address.Length));

    public readonly IgmpSourceEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_offset + 2 * Ipv4Address.Length > _sources.Length) return false;
        _offset += Ipv4Address.Length;
        return true;
    }
}
