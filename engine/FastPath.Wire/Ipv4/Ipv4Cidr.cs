using System.Diagnostics.CodeAnalysis;

namespace FastPath.Wire.Ipv4;

/// <summary>
/// An IPv4 address with a prefix length, as in "10.0.0.1/24": an interface address and its subnet. The
/// address keeps its host bits (<see cref="Address"/> is 10.0.0.1, <see cref="Network"/> 10.0.0.0).
/// </summary>
public readonly struct Ipv4Cidr : IEquatable<Ipv4Cidr>, ISpanFormattable
{
    public const int MaxPrefixLength = 32;

    /// <summary>"255.255.255.255/32".</summary>
    private const int MaxFormattedLength = 18;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="prefixLength"/> is not 0..32.</exception>
    public Ipv4Cidr(Ipv4Address address, int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, MaxPrefixLength);
        Address = address;
        PrefixLength = prefixLength;
    }

    public Ipv4Address Address { get; }
    public int PrefixLength { get; }

    // A shift by 32 is a shift by 0 in C# (the count is masked), so /0 needs its own case.
    private uint Mask => PrefixLength == 0 ? 0u : uint.MaxValue << (MaxPrefixLength - PrefixLength);

    /// <summary>The prefix as a dotted mask: /24 is 255.255.255.0.</summary>
    public Ipv4Address Netmask => new(Mask);

    /// <summary>The address with the host bits cleared.</summary>
    public Ipv4Address Network => new(Address.Value & Mask);

    /// <summary>
    /// The address with the host bits set (the directed broadcast, RFC 919). Plain arithmetic: for /31
    /// (RFC 3021, no broadcast) and /32 it is simply the highest address of the prefix.
    /// </summary>
    public Ipv4Address Broadcast => new(Address.Value | ~Mask);

    /// <summary>True when <paramref name="address"/> shares the first <see cref="PrefixLength"/> bits.</summary>
    public bool Contains(Ipv4Address address) => ((address.Value ^ Address.Value) & Mask) == 0;

    public static Ipv4Cidr Parse(string text) =>
        TryParse(text, out var cidr) ? cidr : throw new FormatException($"'{text}' is not an IPv4 prefix (expected a.b.c.d/n, n 0..32)");

    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Cidr cidr) => TryParse(text.AsSpan(), out cidr);

    /// <summary>Strict "a.b.c.d/n": a dotted quad as <see cref="Ipv4Address.TryParse(ReadOnlySpan{char}, out Ipv4Address)"/> takes it, then 1-2 decimal digits 0..32. The prefix is required.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Ipv4Cidr cidr)
    {
        cidr = default;
        int slash = text.IndexOf('/');
        if (slash < 0 || !Ipv4Address.TryParse(text[..slash], out var address)) return false;
        ReadOnlySpan<char> prefix = text[(slash + 1)..];
        if (prefix.Length is 0 or > 2) return false;
        int length = 0;
        foreach (char c in prefix)
        {
            if (c is < '0' or > '9') return false;
            length = length * 10 + (c - '0');
        }
        if (length > MaxPrefixLength) return false;
        cidr = new Ipv4Cidr(address, length);
        return true;
    }

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null) =>
        destination.TryWrite(null, $"{Address}/{PrefixLength}", out charsWritten);

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public override string ToString() => string.Create(null, stackalloc char[MaxFormattedLength], $"{Address}/{PrefixLength}");

    public bool Equals(Ipv4Cidr other) => Address == other.Address && PrefixLength == other.PrefixLength;
    public override bool Equals(object? obj) => obj is Ipv4Cidr other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(Address, PrefixLength);
    public static bool operator ==(Ipv4Cidr left, Ipv4Cidr right) => left.Equals(right);
    public static bool operator !=(Ipv4Cidr left, Ipv4Cidr right) => !left.Equals(right);
}
