using System.CommandLine;
using System.Globalization;
using FastPath.Engine.Tcp;

namespace FastPath.Cli.Options;

/// <summary>The TCP settings `echo --tcp` and `tcp connect` share: Nagle, keepalive and the retransmission give-up.</summary>
internal sealed class TcpCommandOptions
{
    public Option<string?> KeepAlive { get; } = new("--keepalive")
    {
        Description = "Probe an idle connection: IDLE,INTERVAL,COUNT, e.g. 2s,1s,3 (RFC 1122 4.2.3.6; off by default, Linux's 7200s,75s,9 when on)",
    };

    public Option<bool> NoDelay { get; } = new("--no-delay") { Description = "Turn Nagle's algorithm off (TCP_NODELAY)" };

    // With the default 15 and the RTO doubling up to 120 s, a peer that vanished is given up after about 15
    // minutes, as Linux's tcp_retries2 = 15 does; a test or an impatient operator wants seconds.
    public Option<int?> Retries { get; } = new("--retries")
    {
        Description = "Retransmissions of a segment before the connection is given up as timed out (1-100; default 15, as Linux's tcp_retries2: minutes; 4 gives up within seconds)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(KeepAlive);
        command.Options.Add(NoDelay);
        command.Options.Add(Retries);
    }

    /// <summary>The stack-wide TCP options for the parsed command line.</summary>
    public TcpOptions Parse(ParseResult parse)
    {
        bool noDelay = parse.GetValue(NoDelay);
        var defaults = new TcpOptions();
        int retries = parse.GetValue(Retries) ?? defaults.MaxRetransmissions;
        if (retries is < 1 or > 100) throw new CommandLineException($"--retries: {retries} is not from 1 to 100");
        if (parse.GetValue(KeepAlive) is not { } text) return new TcpOptions { NoDelay = noDelay, MaxRetransmissions = retries };
        (TimeSpan idle, TimeSpan interval, int count) = ParseKeepAlive(text);
        var options = new TcpOptions
        {
            NoDelay = noDelay, MaxRetransmissions = retries,
            KeepAlive = true, KeepAliveIdle = idle, KeepAliveInterval = interval, KeepAliveCount = count,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CommandLineException($"--keepalive: {e.Message}");
        }
        return options;
    }

    /// <summary>"IDLE,INTERVAL,COUNT": two durations and a probe count.</summary>
    public static (TimeSpan Idle, TimeSpan Interval, int Count) ParseKeepAlive(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
            throw new CommandLineException($"--keepalive: '{text}' is not IDLE,INTERVAL,COUNT (expected e.g. 2s,1s,3)");
        return (ValueParsers.Duration(parts[0], "--keepalive"), ValueParsers.Duration(parts[1], "--keepalive"), count);
    }

    /// <summary>A byte count: "1000000", "10MB" or "10M" (powers of 1000), "64KiB" or "64Ki" (powers of 1024).</summary>
    public static long ByteCount(string text, string option)
    {
        string value = text.Trim();
        int digits = 0;
        while (digits < value.Length && char.IsAsciiDigit(value[digits])) digits++;
        string unit = value[digits..].Trim();
        if (unit.EndsWith('B') || unit.EndsWith('b')) unit = unit[..^1];
        long scale = unit.ToUpperInvariant() switch
        {
            "" => 1,
            "K" => 1000,
            "M" => 1000 * 1000,
            "G" => 1000 * 1000 * 1000,
            "KI" => 1024,
            "MI" => 1024 * 1024,
            "GI" => 1024 * 1024 * 1024,
            _ => 0,
        };
        if (digits == 0 || scale == 0 || !long.TryParse(value.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out long number) || number > long.MaxValue / scale)
            throw new CommandLineException($"{option}: '{text}' is not a byte count (expected e.g. 1000000, 10MB or 64KiB)");
        return number * scale;
    }
}
