using System.Globalization;

namespace FastPath.Apps.Generator;

/// <summary>How a rate is counted.</summary>
public enum RateUnit
{
    /// <summary>As fast as the port takes frames.</summary>
    Max,
    PacketsPerSecond,

    /// <summary>
    /// Bits on the wire: each frame counts its bytes plus <see cref="TransmitRate.WireOverheadBytes"/> (preamble,
    /// start delimiter, FCS and the minimum inter-frame gap), as RFC 2544 and every line-rate figure count them.
    /// </summary>
    BitsPerSecond,
}

/// <summary>A stream's rate: max, frames per second, or bits per second on the wire.</summary>
public readonly record struct TransmitRate(RateUnit Unit, double Value)
{
    /// <summary>Preamble (7), start delimiter (1), FCS (4) and inter-frame gap (12): what each frame adds on the wire.</summary>
    public const int WireOverheadBytes = 24;

    public static TransmitRate Max => default;

    public static TransmitRate PacketsPerSecond(double pps) => new(RateUnit.PacketsPerSecond, pps);

    public static TransmitRate BitsPerSecond(double bps) => new(RateUnit.BitsPerSecond, bps);

    public bool IsMax => Unit == RateUnit.Max;

    /// <summary>Bits a frame of <paramref name="frameSize"/> bytes (no FCS) takes on the wire.</summary>
    public static long WireBits(int frameSize) => (frameSize + WireOverheadBytes) * 8L;

    /// <summary>This rate scaled by <paramref name="share"/> (a worker's part of it).</summary>
    public TransmitRate Scaled(double share) => IsMax ? this : this with { Value = Value * share };

    /// <summary>Frames per second at a mean frame size (for bit rates).</summary>
    public double FramesPerSecond(double meanFrameSize) => Unit switch
    {
        RateUnit.PacketsPerSecond => Value,
        RateUnit.BitsPerSecond => Value / ((meanFrameSize + WireOverheadBytes) * 8),
        _ => double.PositiveInfinity,
    };

    public override string ToString() => Unit switch
    {
        RateUnit.PacketsPerSecond => string.Create(CultureInfo.InvariantCulture, $"{Value:G6}pps"),
        RateUnit.BitsPerSecond => string.Create(CultureInfo.InvariantCulture, $"{Value:G6}bps"),
        _ => "max",
    };
}
