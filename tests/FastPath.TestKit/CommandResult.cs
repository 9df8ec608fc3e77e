namespace FastPath.TestKit;

/// <summary>How a program run by the test kit ended: its exit code and everything it printed.</summary>
public readonly record struct CommandResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"exit {ExitCode}; stdout: {Output.Trim()}; stderr: {Error.Trim()}";
}
