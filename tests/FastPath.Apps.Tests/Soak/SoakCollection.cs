namespace FastPath.Apps.Tests.Soak;

/// <summary>
/// The soak runs alone: its generator busy-waits on a core for the whole run (pacing never sleeps), which on a
/// 2-core machine would starve the lab tests that run beside it, and their load would blur its figures.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    public const string Name = "Soak";
}
