using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace FastPath.Apps.Lab;

/// <summary>
/// A program running inside a lab namespace, its output collected in the background. It dies with this
/// process even on SIGKILL (PR_SET_PDEATHSIG, set by <c>setpriv --pdeathsig KILL</c>), and with the lab.
/// </summary>
public sealed class LabProcess : IDisposable
{
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly BlockingCollection<string> _stdoutLines = [];
    private readonly BlockingCollection<string> _stderrLines = [];
    private int _disposed;

    internal LabProcess(Process process, string description)
    {
        Process = process;
        Description = description;
        Process.StandardInput.Close();
        _stdout = Task.Run(() => Collect(Process.StandardOutput, _stdoutLines));
        _stderr = Task.Run(() => Collect(Process.StandardError, _stderrLines));
    }

    public Process Process { get; }

    /// <summary>The command line, for messages.</summary>
    public string Description { get; }

    public bool HasExited => Process.HasExited;

    /// <summary>Waits for a stderr line containing <paramref name="text"/>; false if the process ends or the time runs out first.</summary>
    public bool WaitForStderr(string text, TimeSpan timeout) => WaitForLine(_stderrLines, text, timeout);

    /// <summary>Waits for a stdout line containing <paramref name="text"/>; false if the process ends or the time runs out first.</summary>
    public bool WaitForStdout(string text, TimeSpan timeout) => WaitForLine(_stdoutLines, text, timeout);

    private static bool WaitForLine(BlockingCollection<string> lines, string text, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (!lines.TryTake(out string? line, TimeSpan.FromMilliseconds(100)))
            {
                if (lines.IsCompleted) return false;
                continue;
            }
            if (line.Contains(text, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>Reads a stream line by line: all of it for the result, each line for the waiters.</summary>
    private static string Collect(StreamReader reader, BlockingCollection<string> lines)
    {
        var all = new StringBuilder();
        while (reader.ReadLine() is { } line)
        {
            all.AppendLine(line);
            lines.Add(line);
        }
        lines.CompleteAdding();
        return all.ToString();
    }

    /// <summary>Sends a signal by number (2 SIGINT, 15 SIGTERM) with kill(1).</summary>
    public void Signal(int signal)
    {
        if (Process.HasExited) return;
        LabCommand.Run("kill", [$"-{signal}", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
    }

    /// <summary>The exit code and everything printed; null when the process is still running after <paramref name="timeout"/>.</summary>
    public LabCommandResult? WaitForExit(TimeSpan timeout)
    {
        if (!Process.WaitForExit(timeout)) return null;
        Process.WaitForExit(); // flushes the redirected streams
        return new LabCommandResult(Process.ExitCode, _stdout.GetAwaiter().GetResult(), _stderr.GetAwaiter().GetResult());
    }

    /// <summary>Kills the whole tree if it still runs.</summary>
    public void Kill()
    {
        try
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // It ended between the check and the kill.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Kill();
        Process.Dispose();
        _stdoutLines.Dispose();
        _stderrLines.Dispose();
    }

    public override string ToString() => Description;
}
