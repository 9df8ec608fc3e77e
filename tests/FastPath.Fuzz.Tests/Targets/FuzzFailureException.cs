namespace FastPath.Fuzz.Tests.Targets;

/// <summary>A check of the fuzzer failed on an input (not an exception of the code under test).</summary>
internal sealed class FuzzFailureException(string message) : Exception(message);
