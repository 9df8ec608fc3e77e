using System.Diagnostics;

namespace FastPath.TestKit;

/// <summary>Runs a program to completion with a deadline; a program that overruns is killed (whole tree).</summary>
internal static class CommandRunner
{
    public static CommandResult Run(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        // Both pipes are drained concurrently: a child that fills one while we block on the other would hang.
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{Describe(file, start.ArgumentList)} did not finish within {timeout}: "
                + $"stdout: {output.GetAwaiter().GetResult().Trim()}; stderr: {error.GetAwaiter().GetResult().Trim()}");
        }
        process.WaitForExit(); // flushes the redirected streams
        return new CommandResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    /// <summary>Runs and throws with the full output when the program fails.</summary>
    public static CommandResult Check(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        string[] list = [.. arguments];
        CommandResult result = Run(file, list, timeout);
        if (!result.Succeeded) throw new InvalidOperationException($"{Describe(file, list)} failed: {result}");
        return result;
    }

    public static string Describe(string file, IEnumerable<string> arguments) => $"{file} {string.Join(' ', arguments)}";
}
