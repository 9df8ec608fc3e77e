using FastPath.Engine.Memory;
using FastPath.Wire.Ethernet;

namespace FastPath.Engine.Ports;

/// <summary>How <see cref="MemoryPort.CreatePair(MemoryPortOptions?)"/> builds the two ends of an in-process wire.</summary>
public sealed class MemoryPortOptions
{
    /// <summary>Frames in each side's own region and pool (ignored when the caller gives the pools).</summary>
    public int FrameCount { get; init; } = 4096;

    /// <summary>Bytes per frame of each side's own region: 2048 or 4096 (ignored when the caller gives the pools).</summary>
    public int FrameSize { get; init; } = FrameRegion.DefaultFrameSize;

    /// <summary>Frames the wire holds per direction before Transmit reports a full ring (a power of two).</summary>
    public int RingSize { get; init; } = 1024;

    /// <summary>IP MTU of both ends; frames longer than MTU + 18 (Ethernet header and one VLAN tag) are dropped on transmit.</summary>
    public int Mtu { get; init; } = 1500;

    public string NameA { get; init; } = "memory0";
    public string NameB { get; init; } = "memory1";

    /// <summary>Side A's MAC: by default a made-up locally administered address, 02:00:00:00:00:01.</summary>
    public MacAddress MacA { get; init; } = MacAddress.FromUInt64(0x02_00_00_00_00_01);

    /// <summary>Side B's MAC: by default 02:00:00:00:00:02.</summary>
    public MacAddress MacB { get; init; } = MacAddress.FromUInt64(0x02_00_00_00_00_02);
}
