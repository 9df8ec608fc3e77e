using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace FastPath.Wire.Ipv4;

/// <summary>An IPv4 address held as a host-order uint (192.168.0.1 is 0xC0A80001).</summary>
public readonly struct Ipv4Address : IEquatable<Ipv4Address>, IComparable<Ipv4Address>, ISpanFormattable
{
    public const int Length = 4;

    private readonly uint _value;

    public Ipv4Address(uint hostOrder) => _value = hostOrder;

    public Ipv4Address(byte a, byte b, byte c, byte d) => _value = (uint)(a << 24 | b << 16 | c << 8 | d);

    /// <summary>Reads four bytes in wire order. The caller has checked the length.</summary>
    public Ipv4Address(ReadOnlySpan<byte> bytes) => _value = BinaryPrimitives.ReadUInt32BigEndian(bytes);

    public static Ipv4Address Any => default;
    public static Ipv4Address Broadcast { get; } = new(0xFFFF_FFFFu);
    public static Ipv4Address Loopback { get; } = new(0x7F00_0001u);

    public uint Value => _value;

    public void CopyTo(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, _value);

    /// <summary>224.0.0.0/4 (RFC 5771).</summary>
    public bool IsMulticast => (_value & 0xF000_0000u) == 0xE000_0000u;
    public bool IsBroadcast => _value == 0xFFFF_FFFFu;
    public bool IsUnspecified => _value == 0;
    public bool IsLoopback => (_value >> 24) == 127;
    /// <summary>224.0.0.0/24: never forwarded, IGMP does not report 224.0.0.1 (RFC 2236 section 6).</summary>
    public bool IsLinkLocalMulticast => (_value & 0xFFFF_FF00u) == 0xE000_0000u;

    public static Ipv4Address Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not an IPv4 address (expected a.b.c.d)");

    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Address address) => TryParse(text.AsSpan(), out address);

    /// <summary>Strict dotted quad as inet_pton takes it: four decimal octets 0-255, no leading zeros, no shorthand forms.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Ipv4Address address)
    {
        address = default;
        uint value = 0;
        int octets = 0, digits = 0, octet = 0;
        foreach (char c in text)
        {
            if (c == '.')
            {
                if (digits == 0 || octets == 3) return false;
                value = (value << 8) | (uint)octet;
                octets++;
                digits = 0;
                octet = 0;
            }
            else if (c is >= '0' and <= '9')
            {
                // A leading zero is refused as glibc's inet_pton does: "010" reads as octal in inet_aton.
                if (digits > 0 && octet == 0) return false;
                if (++digits > 3) return false;
                octet = octet * 10 + (c - '0');
                if (octet > 255) return false;
            }
            else
            {
                return false;
            }
        }
        if (digits == 0 || octets != 3) return false;
        address = new Ipv4Address((value << 8) | (uint)octet);
        return true;
    }

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null) =>
        destination.TryWrite(null, $"{_value >> 24}.{(_value >> 16) & 0xFF}.{(_value >> 8) & 0xFF}.{_value & 0xFF}", out charsWritten);

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public override string ToString() => $"{_value >> 24}.{(_value >> 16) & 0xFF}.{(_value >> 8) & 0xFF}.{_value & 0xFF}";

    public bool Equals(Ipv4Address other) => _value == other._value;
    public override bool Equals(object? obj) => obj is Ipv4Address other && Equals(other);
    public override int GetHashCode() => (int)_value;
    public int CompareTo(Ipv4Address other) => _value.CompareTo(other._value);
    public static bool operator ==(Ipv4Address left, Ipv4Address right) => left._value == right._value;
    public static bool operator !=(Ipv4Address left, Ipv4Address right) => left._value != right._value;
    public static bool operator <(Ipv4Address left, Ipv4Address right) => left._value < right._value;
    public static bool operator >(Ipv4Address left, Ipv4Address right) => left._value > right._value;
    public static bool operator <=(Ipv4Address left, Ipv4Address right) => left._value <= right._value;
    public static bool operator >=(Ipv4Address left, Ipv4Address right) => left._value >= right._value;
}
