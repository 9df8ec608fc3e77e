using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Generator;

/// <summary>
/// One stream of generated frames: who sends to whom, over which protocol, how many flows, which sizes and at
/// what rate. Flows vary the source port (the ICMP identifier for echo requests) from
/// <see cref="SourcePort"/> upwards; with address ranges every combination of source address, destination
/// address and port is a flow, walked in turn (port fastest) or drawn at random.
/// </summary>
public sealed record StreamSpec
{
    /// <summary>The discard port (RFC 863): whatever lands on a host by mistake is thrown away.</summary>
    public const ushort DefaultPort = 9;

    /// <summary>The largest untagged frame for a 1500-byte MTU, without the FCS.</summary>
    public const int MaximumStandardFrameSize = 1514;

    public StreamSpec(MacAddress sourceMac, MacAddress destinationMac, Ipv4Address sourceIp, Ipv4Address destinationIp,
        ushort sourcePort = DefaultPort, ushort destinationPort = DefaultPort, int frameSize = FrameSizes.MinimumFrameSize)
    {
        SourceMac = sourceMac;
        DestinationMac = destinationMac;
        SourceIps = Ipv4Range.Single(sourceIp);
        DestinationIps = Ipv4Range.Single(destinationIp);
        SourcePort = sourcePort;
        DestinationPort = destinationPort;
        Sizes = FrameSizes.Fixed(frameSize);
    }

    /// <summary>Carried in every signature; the sink reports per id.</summary>
    public ushort Id { get; init; }
    public StreamProtocol Protocol { get; init; } = StreamProtocol.Udp;
    public MacAddress SourceMac { get; init; }
    public MacAddress DestinationMac { get; init; }
    public Ipv4Range SourceIps { get; init; }
    public Ipv4Range DestinationIps { get; init; }
    public ushort SourcePort { get; init; }
    public ushort DestinationPort { get; init; }

    /// <summary>Source ports (ICMP identifiers) in use: <see cref="SourcePort"/> .. SourcePort + Flows - 1.</summary>
    public int Flows { get; init; } = 1;
    public FrameSizes Sizes { get; init; }

    /// <summary>Draw flows and sizes at random (seeded by <see cref="Seed"/>) instead of in turn.</summary>
    public bool RandomOrder { get; init; }
    public ulong Seed { get; init; } = 1;
    public TransmitRate Rate { get; init; }

    /// <summary>Write the 16-byte <see cref="FrameSignature"/> at the end of the payload (UDP, ICMP and raw frames).</summary>
    public bool Signature { get; init; } = true;

    /// <summary>True when frames of this stream carry a signature (TCP SYNs have no payload to put it in).</summary>
    public bool HasSignature => Signature && Protocol != StreamProtocol.TcpSyn;

    /// <summary>Distinct (source, destination, port) combinations.</summary>
    public long FlowCount => SourceIps.Count * DestinationIps.Count * Flows;

    /// <summary>Why this stream cannot be sent on an interface with <paramref name="mtu"/>, or null when it can.</summary>
    public string? FindProblem(int mtu)
    {
        if (Sizes.Smallest < FrameSizes.MinimumFrameSize)
            return $"frame size {Sizes.Smallest} is below Ethernet's minimum of {FrameSizes.MinimumFrameSize} bytes (without FCS)";
        int largest = mtu + EthernetFrame.UntaggedHeaderLength;
        if (Sizes.Largest > largest)
            return $"frame size {Sizes.Largest} exceeds the interface's largest frame, {largest} bytes (MTU {mtu} + 14)";
        if (Flows < 1) return $"flows must be at least 1, not {Flows}";
        if (SourcePort + (long)Flows - 1 > ushort.MaxValue)
            return $"{Flows} flows from source port {SourcePort} go past port 65535";
        return null;
    }
}
