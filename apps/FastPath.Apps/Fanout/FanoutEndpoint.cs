using System.Globalization;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Fanout;

/// <summary>An IPv4 address and UDP port: a group the fan-out listens to, or a destination it copies to.</summary>
public readonly record struct FanoutEndpoint(Ipv4Address Address, ushort Port)
{
    /// <summary>"239.1.1.1:5000" (port 1-65535).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out FanoutEndpoint endpoint)
    {
        endpoint = default;
        text = text.Trim();
        int colon = text.LastIndexOf(':');
        if (colon <= 0) return false;
        if (!Ipv4Address.TryParse(text[..colon], out Ipv4Address address)) return false;
        if (!ushort.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0) return false;
        endpoint = new FanoutEndpoint(address, port);
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/> with a message that names the text.</summary>
    public static FanoutEndpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out FanoutEndpoint endpoint)) throw new FormatException($"'{text}' is not ADDRESS:PORT (e.g. 10.0.0.5:6000)");
        return endpoint;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Address}:{Port}");
}
