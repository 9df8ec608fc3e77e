using FastPath.Engine.Ports;

namespace FastPath.Apps.Generator;

/// <summary>
/// Sends streams of frames through a port: exact counts, paced rates, signatures for the sink to measure.
/// Every frame of the pool is written once before the run; after that a frame that comes back still holds
/// the same bytes (nothing else writes into this port's pool), so the loop writes only what changes per
/// frame (see <see cref="StreamFrameBuilder"/>).
/// </summary>
public static class TrafficGenerator
{
    public const int BurstSize = GeneratorLoop.BurstSize;

    /// <summary>
    /// Runs until <paramref name="count"/> frames are sent (0: no limit), <paramref name="duration"/> passes
    /// (null: no limit) or <paramref name="stop"/> is cancelled; then drains the port so that every frame
    /// counted has left.
    /// </summary>
    public static GeneratorResult Run(IPacketPort port, StreamSpec stream, long count, TimeSpan? duration, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Run(port, [stream], new GeneratorSettings { Count = count, Duration = duration }, stop);
    }

    /// <summary>Sends <paramref name="streams"/> (each at its own rate) as one worker of <see cref="GeneratorSettings.Workers"/>.</summary>
    public static GeneratorResult Run(IPacketPort port, IReadOnlyList<StreamSpec> streams, GeneratorSettings settings, CancellationToken stop) =>
        new GeneratorLoop(port, streams, settings).Run(stop);
}
