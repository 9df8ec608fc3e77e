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
    private readonly BlockingCollection<string> _stderrLines = [];
    private int _disposed;

    internal LabProcess(Process process, string description)
    {
        Process = process;
        Description = description;
        Process.StandardInput.Close();
        _stdout = Process.StandardOutput.ReadToEndAsync();
        _stderr = Task.Run(() =>
        {
            var all = new StringBuilder();
            while (Process.StandardError.ReadLine() is { } line)
            {
                all.AppendLine(line);
                _stderrLines.Add(line);
            }
            _stderrLines.CompleteAdding();
            return all.ToString();
        });
    }

    public Process Process { get; }

    /// <summary>The command line, for messages.</summary>
    public string Description { get; }

    public bool HasExited => Process.HasExited;

    /// <summary>Waits for a stderr line containing <paramref name="text"/>; false if the process ends or the time runs out first.</summary>
    public bool WaitForStderr(string text, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (!_stderrLines.TryTake(out string? line, TimeSpan.FromMilliseconds(100)))
            {
                if (_stderrLines.IsCompleted) return false;
                continue;
            }
            if (line.Contains(text, StringComparison.Ordinal)) return true;
        }
        return false;
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
    }

    public override string ToString() => Description;
}
