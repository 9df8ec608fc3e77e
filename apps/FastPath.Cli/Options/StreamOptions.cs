using System.CommandLine;
using FastPath.Apps.Generator;
using FastPath.Wire.Ethernet;

namespace FastPath.Cli.Options;

/// <summary>The options of <c>fastpath gen</c> that describe what to send; <see cref="Build"/> turns them (or a --streams file) into streams.</summary>
internal sealed class StreamOptions
{
    public Option<string?> Protocol { get; } = new("--proto") { Description = "udp (default), tcp-syn, icmp (echo requests) or raw (IPv4 protocol 253, RFC 3692)" };
    public Option<string?> SourceMac { get; } = new("--src-mac") { Description = "Source MAC (default: the interface's)" };
    public Option<string?> DestinationMac { get; } = new("--dst-mac") { Description = "Destination MAC (default: broadcast)" };
    public Option<string?> SourceIp { get; } = new("--src-ip") { Description = "Source IPv4 address or range, e.g. 10.0.0.1-10.0.0.200" };
    public Option<string?> DestinationIp { get; } = new("--dst-ip") { Description = "Destination IPv4 address or range" };
    public Option<ushort> SourcePort { get; } = new("--src-port") { Description = "Source port (the ICMP identifier for icmp); the first of --flows", DefaultValueFactory = _ => StreamSpec.DefaultPort };
    public Option<ushort> DestinationPort { get; } = new("--dst-port") { Description = "Destination port", DefaultValueFactory = _ => StreamSpec.DefaultPort };
    public Option<int> Flows { get; } = new("--flows") { Description = "Source ports (ICMP identifiers) to vary over, from --src-port up", DefaultValueFactory = _ => 1 };
    public Option<string?> Size { get; } = new("--size", "-s")
    {
        Description = "Frame bytes without the 4-byte FCS: N (60 = 64 on the wire), MIN-MAX (each in turn), or imix (7:4:1 of 60, 590 and 1514)",
    };
    public Option<bool> Random { get; } = new("--random") { Description = "Draw flows, addresses and sizes at random (seeded by --seed) instead of in turn" };
    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of --random (the same seed sends the same frames)", DefaultValueFactory = _ => 1 };
    public Option<string?> Rate { get; } = new("--rate", "-r")
    {
        Description = "max (default), packets per second (1.5Mpps, 100kpps) or bits per second ON THE WIRE (800Mbps, 2Gbps): "
            + "each frame counts its bytes + 24 (preamble 7, start delimiter 1, FCS 4, inter-frame gap 12), as RFC 2544 does; split across --cores",
    };
    public Option<ushort> StreamId { get; } = new("--stream-id") { Description = "Stream id carried in the signature (default 0)" };
    public Option<bool> NoSignature { get; } = new("--no-signature") { Description = "Leave out the 16-byte trailer (stream id, sequence, send time) that the sink measures with" };
    public Option<string?> StreamsFile { get; } = new("--streams") { Description = "A JSON file of several streams, each with its own rate (see the README)" };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Protocol, SourceMac, DestinationMac, SourceIp, DestinationIp, SourcePort, DestinationPort, Flows, Size, Random, Seed, Rate, StreamId, NoSignature, StreamsFile })
            command.Options.Add(option);
    }

    /// <summary>The streams to send: from --streams (the other options give their defaults) or the single stream the options describe.</summary>
    public IReadOnlyList<StreamSpec> Build(ParseResult parse, MacAddress interfaceMac, int mtu)
    {
        StreamDefaults defaults = Defaults(parse, interfaceMac);
        IReadOnlyList<StreamSpec> streams = parse.GetValue(StreamsFile) is { } path
            ? StreamFile.Read(path, defaults)
            : [defaults.ToStream()];
        foreach (StreamSpec stream in streams)
        {
            string where = streams.Count > 1 || parse.GetValue(StreamsFile) != null ? $"stream {stream.Id}" : "--size";
            if (stream.FindProblem(mtu) is { } problem) throw new CommandLineException($"{where}: {problem}");
            if (stream.Protocol == StreamProtocol.Raw && stream.Flows > 1)
                throw new CommandLineException($"{where}: raw frames have no ports to vary; use --src-ip or --dst-ip ranges for flows");
        }
        if (streams.Select(s => s.Id).Distinct().Count() != streams.Count) throw new CommandLineException("--streams: two streams have the same id");
        return streams;
    }

    private StreamDefaults Defaults(ParseResult parse, MacAddress interfaceMac) => new()
    {
        Protocol = parse.GetValue(Protocol) is { } proto ? ValueParsers.Protocol(proto, "--proto") : StreamProtocol.Udp,
        SourceMac = parse.GetValue(SourceMac) is { } src ? ValueParsers.Mac(src, "--src-mac") : interfaceMac,
        DestinationMac = parse.GetValue(DestinationMac) is { } dst ? ValueParsers.Mac(dst, "--dst-mac") : MacAddress.Broadcast,
        SourceIps = parse.GetValue(SourceIp) is { } srcIp ? ValueParsers.Ipv4Range(srcIp, "--src-ip") : null,
        DestinationIps = parse.GetValue(DestinationIp) is { } dstIp ? ValueParsers.Ipv4Range(dstIp, "--dst-ip") : null,
        SourcePort = parse.GetValue(SourcePort),
        DestinationPort = parse.GetValue(DestinationPort),
        Flows = parse.GetValue(Flows) is var flows && flows >= 1 ? flows : throw new CommandLineException($"--flows: {flows} is not a positive count"),
        Sizes = parse.GetValue(Size) is { } size ? ValueParsers.Sizes(size, "--size") : FrameSizes.Fixed(FrameSizes.MinimumFrameSize),
        RandomOrder = parse.GetValue(Random),
        Seed = parse.GetValue(Seed),
        Rate = parse.GetValue(Rate) is { } rate ? ValueParsers.Rate(rate, "--rate") : TransmitRate.Max,
        Id = parse.GetValue(StreamId),
        Signature = !parse.GetValue(NoSignature),
    };
}

/// <summary>The command line's stream settings: the single stream, or the defaults of a --streams file's entries.</summary>
internal sealed record StreamDefaults
{
    public StreamProtocol Protocol { get; init; }
    public MacAddress SourceMac { get; init; }
    public MacAddress DestinationMac { get; init; }
    public Ipv4Range? SourceIps { get; init; }
    public Ipv4Range? DestinationIps { get; init; }
    public ushort SourcePort { get; init; }
    public ushort DestinationPort { get; init; }
    public int Flows { get; init; }
    public FrameSizes Sizes { get; init; }
    public bool RandomOrder { get; init; }
    public ulong Seed { get; init; }
    public TransmitRate Rate { get; init; }
    public ushort Id { get; init; }
    public bool Signature { get; init; }

    public StreamSpec ToStream(string where = "")
    {
        Ipv4Range source = SourceIps ?? throw new CommandLineException($"{where}--src-ip is required (an address or a range)");
        Ipv4Range destination = DestinationIps ?? throw new CommandLineException($"{where}--dst-ip is required (an address or a range)");
        return new StreamSpec(SourceMac, DestinationMac, source.First, destination.First, SourcePort, DestinationPort)
        {
            Id = Id,
            Protocol = Protocol,
            SourceIps = source,
            DestinationIps = destination,
            Flows = Flows,
            Sizes = Sizes,
            RandomOrder = RandomOrder,
            Seed = Seed,
            Rate = Rate,
            Signature = Signature,
        };
    }
}
