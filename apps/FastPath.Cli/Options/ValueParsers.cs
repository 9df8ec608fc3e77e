using System.Globalization;
using System.Text.RegularExpressions;
using FastPath.Apps.Generator;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Cli.Options;

/// <summary>Parsers for option values; a bad value is a <see cref="CommandLineException"/> naming the option.</summary>
internal static partial class ValueParsers
{
    public static MacAddress Mac(string text, string option) =>
        MacAddress.TryParse(text, out MacAddress mac) ? mac : throw new CommandLineException($"{option}: '{text}' is not a MAC address (expected e.g. 02:00:00:00:00:01)");

    public static Ipv4Address Ipv4(string text, string option) =>
        Ipv4Address.TryParse(text, out Ipv4Address address) ? address : throw new CommandLineException($"{option}: '{text}' is not an IPv4 address");

    /// <summary>"10.0.0.1" or "10.0.0.1-10.0.0.200".</summary>
    /// <summary>An address with its prefix (our own on the link); <paramref name="example"/> shows the expected form.</summary>
    public static Ipv4Cidr Ipv4Cidr(string text, string option, string example = "10.0.0.1/24") =>
        FastPath.Wire.Ipv4.Ipv4Cidr.TryParse(text, out Ipv4Cidr cidr)
            ? cidr
            : throw new CommandLineException($"{option}: '{text}' is not an address with a prefix (expected e.g. {example})");

    public static Ipv4Range Ipv4Range(string text, string option)
    {
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0) return FastPath.Apps.Generator.Ipv4Range.Single(Ipv4(text.Trim(), option));
        if (!Ipv4Address.TryParse(text.AsSpan(0, dash).Trim(), out Ipv4Address first) || !Ipv4Address.TryParse(text.AsSpan(dash + 1).Trim(), out Ipv4Address last))
            throw new CommandLineException($"{option}: '{text}' is not an address or a range (expected e.g. 10.0.0.1 or 10.0.0.1-10.0.0.200)");
        if (last.Value < first.Value) throw new CommandLineException($"{option}: '{text}' ends below its start");
        return new Ipv4Range(first, last);
    }

    /// <summary>"5s", "250ms", "2m", "1h" or a plain number of seconds ("1.5").</summary>
    public static TimeSpan Duration(string text, string option)
    {
        string value = text.Trim();
        (string number, double scale) = value switch
        {
            _ when value.EndsWith("ms", StringComparison.Ordinal) => (value[..^2], 0.001),
            _ when value.EndsWith('s') => (value[..^1], 1.0),
            _ when value.EndsWith('m') => (value[..^1], 60.0),
            _ when value.EndsWith('h') => (value[..^1], 3600.0),
            _ => (value, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount) || amount <= 0 || amount * scale > TimeSpan.MaxValue.TotalSeconds / 2)
            throw new CommandLineException($"{option}: '{text}' is not a duration (expected e.g. 5s, 250ms, 2m)");
        return TimeSpan.FromSeconds(amount * scale);
    }

    /// <summary>
    /// "max", a packet rate ("1.5Mpps", "100kpps", "2000pps") or a bit rate on the wire ("800Mbps", "2Gbps",
    /// "10Gbit/s"); k, M and G are powers of 1000.
    /// </summary>
    public static TransmitRate Rate(string text, string option)
    {
        string value = text.Trim();
        if (value.Equals("max", StringComparison.OrdinalIgnoreCase)) return TransmitRate.Max;
        Match match = RatePattern().Match(value);
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount) || amount <= 0)
            throw new CommandLineException($"{option}: '{text}' is not a rate (expected e.g. 1.5Mpps, 100kpps, 800Mbps, 2Gbps or max)");
        double scale = char.ToLowerInvariant(match.Groups[2].Value.FirstOrDefault()) switch
        {
            'k' => 1e3,
            'm' => 1e6,
            'g' => 1e9,
            _ => 1,
        };
        return match.Groups[3].Value.Equals("pps", StringComparison.OrdinalIgnoreCase)
            ? TransmitRate.PacketsPerSecond(amount * scale)
            : TransmitRate.BitsPerSecond(amount * scale);
    }

    /// <summary>"60", "64-1514" or "imix" (frame bytes without the FCS).</summary>
    public static FrameSizes Sizes(string text, string option)
    {
        string value = text.Trim();
        if (value.Equals("imix", StringComparison.OrdinalIgnoreCase)) return FrameSizes.Imix;
        int dash = value.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0) return FrameSizes.Fixed(Integer(value, option, "a size"));
        int smallest = Integer(value[..dash], option, "a size range"), largest = Integer(value[(dash + 1)..], option, "a size range");
        if (largest < smallest) throw new CommandLineException($"{option}: '{text}' ends below its start");
        return FrameSizes.Range(smallest, largest);
    }

    public static StreamProtocol Protocol(string text, string option) => text.Trim().ToLowerInvariant() switch
    {
        "udp" => StreamProtocol.Udp,
        "tcp-syn" or "tcp" or "syn" => StreamProtocol.TcpSyn,
        "icmp" or "icmp-echo" => StreamProtocol.Icmp,
        "raw" => StreamProtocol.Raw,
        _ => throw new CommandLineException($"{option}: '{text}' is not a protocol (udp, tcp-syn, icmp or raw)"),
    };

    private static int Integer(string text, string option, string what) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new CommandLineException($"{option}: '{text}' is not {what} (expected e.g. 60, 64-1514 or imix)");

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)\s*([kKmMgG]?)(pps|bps|bit/s)$", RegexOptions.IgnoreCase)]
    private static partial Regex RatePattern();
}
