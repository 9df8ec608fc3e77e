namespace FastPath.Engine.Tests.Rings;

/// <summary>
/// The cross-thread ring tests run one at a time and alone: each wants the machine's two cores for its own
/// threads, and run side by side they would only measure the scheduler.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RingStressCollection
{
    public const string Name = "ring stress";
}
