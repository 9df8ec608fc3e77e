namespace FastPath.Engine.Runtime;

/// <summary>How an <see cref="Engine"/> builds and runs its workers.</summary>
public sealed record EngineOptions
{
    /// <summary>Options for every worker (each gets its binding's CPU).</summary>
    public WorkerOptions Worker { get; init; } = new();

    /// <summary>
    /// Steer IPv4 packets to the worker their flow hashes to (symmetric Toeplitz), for ports that spread
    /// flows some other way (AF_PACKET fanout, a NIC with another key). Off by default: with hardware RSS
    /// using the symmetric key the packets already arrive on the right queue.
    /// </summary>
    public bool FlowSteering { get; init; }

    /// <summary>Packets per hand-over ring between two workers, a power of two.</summary>
    public int SteeringRingSize { get; init; } = 1024;

    /// <summary>How long <see cref="Engine.Start"/> waits for every worker to open its port and start.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a stop waits for the workers to finish.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
