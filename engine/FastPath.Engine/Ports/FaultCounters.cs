namespace FastPath.Engine.Ports;

/// <summary>How many frames each fault hit, in one direction of a <see cref="FaultInjectingPort"/>.</summary>
public record struct FaultCounters
{
    public long Lost;
    public long Duplicated;
    /// <summary>Duplications skipped because the pool had no frame for the copy.</summary>
    public long DuplicateFailed;
    public long Reordered;
    public long Corrupted;
    public long Delayed;
}
