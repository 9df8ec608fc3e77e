using System.Diagnostics;

namespace FastPath.Apps.Lab;

/// <summary>What a program run to completion printed and returned.</summary>
public sealed record LabCommandResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"exit {ExitCode}; stdout: {Output.Trim()}; stderr: {Error.Trim()}";
}

/// <summary>Runs a program to completion with a deadline; a program that overruns is killed (whole tree).</summary>
internal static class LabCommand
{
    public static LabCommandResult Run(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        ProcessStartInfo start = StartInfo(file, arguments);
        using Process process = ChildLauncher.Start(start);
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
        return new LabCommandResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    /// <summary>Runs and throws with the full output when the program fails.</summary>
    public static LabCommandResult Check(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        string[] list = [.. arguments];
        LabCommandResult result = Run(file, list, timeout);
        if (!result.Succeeded) throw new InvalidOperationException($"{Describe(file, list)} failed: {result}");
        return result;
    }

    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        return start;
    }

    public static string Describe(string file, IEnumerable<string> arguments) => $"{file} {string.Join(' ', arguments)}";

    /// <summary>The full path of <paramref name="tool"/> on PATH or in the sbin folders a non-login root shell leaves out.</summary>
    public static string? FindTool(string tool)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Concat(["/usr/sbin", "/sbin"]);
        return folders.Where(folder => folder.Length > 0).Select(folder => Path.Combine(folder, tool)).FirstOrDefault(File.Exists);
    }
}
