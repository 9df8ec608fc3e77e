using FastPath.Apps.Sink;
using FastPath.Engine.Ports;

namespace FastPath.Apps.Generator;

/// <summary>What one generator worker sent of one stream.</summary>
public readonly record struct StreamTally(ushort Id, long Packets, long Bytes);

/// <summary>What one generator worker sent.</summary>
/// <param name="Packets">Frames the port took (and, once drained, handed to the kernel).</param>
/// <param name="Bytes">Their bytes, without FCS.</param>
/// <param name="Elapsed">From the first burst to the end of the drain.</param>
/// <param name="Port">The port's own counters at the end.</param>
public readonly record struct GeneratorResult(long Packets, long Bytes, TimeSpan Elapsed, PortStats Port)
{
    /// <summary>Per stream, in the order the streams were given.</summary>
    public IReadOnlyList<StreamTally> Streams { get; init; } = [];

    /// <summary>With <see cref="GeneratorSettings.Measure"/>: the frames that came back, whose latency is the round trip.</summary>
    internal SignatureStatistics? Returns { get; init; }

    /// <summary>Frames received on the port while measuring (signed or not).</summary>
    public long ReturnedPackets { get; init; }
}
