using System.Globalization;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Cli.Options;

/// <summary>Parsers for option values; a bad value is a <see cref="CommandLineException"/> naming the option.</summary>
internal static class ValueParsers
{
    public static MacAddress Mac(string text, string option) =>
        MacAddress.TryParse(text, out MacAddress mac) ? mac : throw new CommandLineException($"{option}: '{text}' is not a MAC address (expected e.g. 02:00:00:00:00:01)");

    public static Ipv4Address Ipv4(string text, string option) =>
        Ipv4Address.TryParse(text, out Ipv4Address address) ? address : throw new CommandLineException($"{option}: '{text}' is not an IPv4 address");

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
}
