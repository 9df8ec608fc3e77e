namespace FastPath.Apps.Lab;

/// <summary>How <see cref="DemoLab"/> runs: how long each phase lasts and which programs it starts.</summary>
public sealed record DemoLabSettings
{
    /// <summary>Length of each measuring phase (ping rows, traffic, fan-out).</summary>
    public TimeSpan PhaseDuration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Time between echo requests of the ping rows (iputils -i 0.001 as root).</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>The fastpath program to run inside the namespaces: a file and the arguments before the command (the dll when run by dotnet).</summary>
    public required string FastpathFile { get; init; }

    public IReadOnlyList<string> FastpathPrefix { get; init; } = [];

    /// <summary>iputils ping, or null when it is not installed (its rows then say so).</summary>
    public string? KernelPing { get; init; } = LabCommand.FindTool("ping");

    /// <summary>Progress lines go here (stderr); null for none.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>Requests each ping row sends: one phase's worth at the interval.</summary>
    public int PingCount => (int)Math.Max(10, PhaseDuration.Ticks / Math.Max(1, PingInterval.Ticks));
}
