using System.CommandLine;
using FastPath.Drivers.Linux;
using FastPath.Engine.Threading;

namespace FastPath.Cli.Options;

/// <summary>The options every data-path command shares: where to attach, with which driver, on which cores, for how long.</summary>
/// <param name="interfaceRequired">False where another output can stand in for the interface (gen --pcap-out).</param>
internal sealed class PortOptions(bool interfaceRequired = true)
{
    public Option<string> Interface { get; } = new("--iface", "-I")
    {
        Description = interfaceRequired ? "Network interface to attach to" : "Network interface to send on (or --pcap-out FILE instead)",
        Required = interfaceRequired,
    };
    public Option<PortDriver> Driver { get; } = new("--driver")
    {
        Description = "afxdp, afpacket, or auto (AF_XDP where it can attach, AF_PACKET otherwise)",
        DefaultValueFactory = _ => PortDriver.Auto,
        CustomParser = result =>
        {
            if (TryParseDriver(result.Tokens[0].Value, out PortDriver driver)) return driver;
            result.AddError($"--driver: '{result.Tokens[0].Value}' is not a driver (afxdp, afpacket or auto)");
            return default;
        },
    };
    public Option<int> Queue { get; } = new("--queue") { Description = "First queue of the interface (AF_XDP binds one socket per queue)", DefaultValueFactory = _ => 0 };
    public Option<string?> Cores { get; } = new("--cores") { Description = "CPUs to run one worker each on, e.g. 0-1 or 0,2 (default: one worker, not pinned)" };
    public Option<long> Count { get; } = new("--count", "-c") { Description = "Stop after this many packets (all workers together)" };
    public Option<string?> Duration { get; } = new("--duration", "-d") { Description = "Stop after this long: 5s, 250ms, 2m" };
    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON object with the totals" };
    public Option<bool> Progress { get; } = new("--progress") { Description = "Print a line a second on stderr (the default when stderr is a terminal)" };
    public Option<string?> Plot { get; } = new("--plot") { Description = "Write an SVG chart of the rate over time and the latency histogram to this file" };
    public Option<string?> StatsJson { get; } = new("--stats-json")
    {
        Description = "Write a JSON line a second to this file: memory (RSS, managed heap), GC collections, frame-pool occupancy, packet counters",
    };

    /// <summary>Adds the options; services that run until stopped (<paramref name="limitsRequired"/> false) take no --count.</summary>
    public void AddTo(Command command, bool limitsRequired = true)
    {
        AddAttachmentTo(command);
        if (limitsRequired) command.Options.Add(Count);
        command.Options.Add(Duration);
        command.Options.Add(Json);
    }

    /// <summary>Adds where and how to attach (--iface, --driver, --queue, --cores), for commands with their own limits.</summary>
    public void AddAttachmentTo(Command command)
    {
        command.Options.Add(Interface);
        command.Options.Add(Driver);
        command.Options.Add(Queue);
        command.Options.Add(Cores);
    }

    /// <summary>Adds --progress and --plot (the commands that measure traffic: gen and sink).</summary>
    public void AddProgressTo(Command command)
    {
        command.Options.Add(Progress);
        command.Options.Add(Plot);
    }

    /// <summary>Adds --stats-json (the long-running data-path commands: gen, sink, respond, echo).</summary>
    public void AddStatsTo(Command command) => command.Options.Add(StatsJson);

    /// <summary>The --duration of a service that otherwise runs until Ctrl-C or SIGTERM (null: no limit).</summary>
    public TimeSpan? ParseDuration(ParseResult parse) =>
        parse.GetValue(Duration) is { } text ? ValueParsers.Duration(text, "--duration") : null;

    /// <summary>The CPU list, or null for a single unpinned worker.</summary>
    public IReadOnlyList<int>? ParseCores(ParseResult parse)
    {
        string? text = parse.GetValue(Cores);
        if (text is null) return null;
        try
        {
            IReadOnlyList<int> cpus = CpuList.Parse(text);
            IReadOnlyList<int> allowed = CpuAffinity.AllowedCpus();
            int missing = cpus.FirstOrDefault(cpu => !allowed.Contains(cpu), -1);
            if (missing >= 0) throw new CommandLineException($"--cores: CPU {missing} is not available to this process (allowed: {string.Join(',', allowed)})");
            return cpus;
        }
        catch (FormatException e)
        {
            throw new CommandLineException($"--cores: {e.Message}");
        }
    }

    /// <summary>
    /// Count and duration: at least one must be given (a data-path command never runs unbounded by accident),
    /// unless <paramref name="boundedOtherwise"/> (a replay with a number of loops).
    /// </summary>
    public (long Count, TimeSpan? Duration) ParseLimits(ParseResult parse, bool boundedOtherwise = false)
    {
        long count = parse.GetValue(Count);
        string? durationText = parse.GetValue(Duration);
        if (count < 0) throw new CommandLineException($"--count: {count} is negative");
        TimeSpan? duration = durationText is null ? null : ValueParsers.Duration(durationText, "--duration");
        if (count == 0 && duration is null && !boundedOtherwise) throw new CommandLineException("give --count N or --duration T (Ctrl-C also stops)");
        return (count, duration);
    }

    /// <summary>Live progress: asked for with --progress, or stderr is a terminal.</summary>
    public bool WantsProgress(ParseResult parse) => parse.GetValue(Progress) || !Console.IsErrorRedirected;

    private static bool TryParseDriver(string text, out PortDriver driver)
    {
        (bool known, driver) = text switch
        {
            "auto" => (true, PortDriver.Auto),
            "afxdp" or "af_xdp" or "xdp" => (true, PortDriver.AfXdp),
            "afpacket" or "af_packet" or "packet" => (true, PortDriver.AfPacket),
            _ => (false, PortDriver.Auto),
        };
        return known;
    }
}
