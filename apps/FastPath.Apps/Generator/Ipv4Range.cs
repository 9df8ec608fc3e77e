using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Generator;

/// <summary>Consecutive IPv4 addresses, <see cref="First"/> to <see cref="Last"/> included (10.0.0.1-10.0.0.200).</summary>
public readonly record struct Ipv4Range
{
    public Ipv4Range(Ipv4Address first, Ipv4Address last)
    {
        if (last.Value < first.Value) throw new ArgumentOutOfRangeException(nameof(last), last, $"the range ends below its start, {first}");
        First = first;
        Last = last;
    }

    public static Ipv4Range Single(Ipv4Address address) => new(address, address);

    public Ipv4Address First { get; }
    public Ipv4Address Last { get; }

    /// <summary>How many addresses (up to 2^32, hence a long).</summary>
    public long Count => (long)Last.Value - First.Value + 1;

    public override string ToString() => First == Last ? First.ToString() : $"{First}-{Last}";
}
