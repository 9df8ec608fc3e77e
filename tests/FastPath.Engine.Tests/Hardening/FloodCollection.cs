namespace FastPath.Engine.Tests.Hardening;

/// <summary>Flood tests measure the process heap: nothing else may run beside them.</summary>
[CollectionDefinition(nameof(FloodCollection), DisableParallelization = true)]
public sealed class FloodCollection;
