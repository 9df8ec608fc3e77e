using System.Diagnostics;
using System.Globalization;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Faults;

/// <summary>
/// A running fastpath under fault: stdout collected, stderr lines kept with the time they arrived, so a test
/// can tell whether a line (the ready line) came before the moment it sent a signal.
/// </summary>
internal sealed class FaultProcess : IDisposable
{
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly List<(TimeSpan At, string Line)> _lines = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private FaultProcess(ProcessStartInfo start)
    {
        Process = Process.Start(start)!;
        _stdout = Process.StandardOutput.ReadToEndAsync();
        _stderr = Task.Run(() =>
        {
            var all = new System.Text.StringBuilder();
            while (Process.StandardError.ReadLine() is { } line)
            {
                all.AppendLine(line);
                lock (_lines) _lines.Add((_clock.Elapsed, line));
            }
            return all.ToString();
        });
    }

    /// <summary>fastpath with these arguments, in this namespace.</summary>
    public static FaultProcess Start(params string[] args) => new(FastpathCli.StartInfo(args));

    /// <summary>fastpath inside namespace <paramref name="ns"/> (<c>ip netns exec</c>, which execs: the pid is fastpath's).</summary>
    public static FaultProcess StartIn(string ns, params string[] args) =>
        new(FastpathCli.StartInfoVia(Requirements.Tool("ip", "iproute2"), ["netns", "exec", ns], args));

    public Process Process { get; }

    /// <summary>Time since the process was started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Whether a stderr line containing <paramref name="text"/> has arrived (no waiting).</summary>
    public bool HasPrinted(string text)
    {
        lock (_lines) return _lines.Any(entry => entry.Line.Contains(text, StringComparison.Ordinal));
    }

    /// <summary>Waits for a stderr line containing <paramref name="text"/>; false if the process ends or the time runs out first.</summary>
    public bool WaitForStderr(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!HasPrinted(text))
        {
            if (Process.HasExited && _stderr.IsCompleted) return HasPrinted(text);
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(5);
        }
        return true;
    }

    /// <summary>Sends a signal by number with kill(1).</summary>
    public void Signal(int signal)
    {
        using var kill = Process.Start("kill", [$"-{signal.ToString(CultureInfo.InvariantCulture)}", Process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public (int Exit, string Stdout, string Stderr) WaitForExit(TimeSpan timeout)
    {
        Assert.True(Process.WaitForExit(timeout), $"fastpath did not exit within {timeout}");
        return (Process.ExitCode, _stdout.Result, _stderr.Result);
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.WaitForExit(10_000);
        Process.Dispose();
    }
}
