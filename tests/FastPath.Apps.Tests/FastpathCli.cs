using System.Diagnostics;
using FastPath.TestKit;

namespace FastPath.Apps.Tests;

/// <summary>Runs the real <c>fastpath</c> binary from the test output folder, as a user would.</summary>
internal static class FastpathCli
{
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fastpath.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        return start;
    }

    /// <summary>The same command started through <paramref name="launcher"/> (e.g. <c>ip netns exec NS</c>, <c>setpriv ...</c>).</summary>
    public static ProcessStartInfo StartInfoVia(string launcher, IReadOnlyList<string> launcherArguments, params string[] args)
    {
        ProcessStartInfo start = StartInfo(args);
        start.ArgumentList.Insert(0, start.FileName);
        for (int i = launcherArguments.Count - 1; i >= 0; i--) start.ArgumentList.Insert(0, launcherArguments[i]);
        start.FileName = launcher;
        return start;
    }

    public static (int Exit, string Stdout, string Stderr) Run(params string[] args) => Run(StartInfo(args));

    public static (int Exit, string Stdout, string Stderr) Run(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "fastpath did not finish in 60 s");
        return (process.ExitCode, stdout, stderr.Result);
    }

    /// <summary>A running fastpath whose output is collected in the background.</summary>
    public sealed class Running : IDisposable
    {
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;
        private readonly System.Collections.Concurrent.BlockingCollection<string> _stderrLines = [];

        public Running(params string[] args)
            : this(StartInfo(args))
        {
        }

        private Running(ProcessStartInfo start)
        {
            Process = Process.Start(start)!;
            _stdout = Process.StandardOutput.ReadToEndAsync();
            _stderr = Task.Run(() =>
            {
                var all = new System.Text.StringBuilder();
                while (Process.StandardError.ReadLine() is { } line)
                {
                    all.AppendLine(line);
                    _stderrLines.Add(line);
                }
                _stderrLines.CompleteAdding();
                return all.ToString();
            });
        }

        /// <summary>Waits for a stderr line containing <paramref name="text"/>; false if the process ends or the time runs out first.</summary>
        public bool WaitForStderr(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
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

        /// <summary>A fastpath started some other way (another binary, another user: see Security/CapabilityInstall).</summary>
        public static Running Start(ProcessStartInfo start) => new(start);

        /// <summary>fastpath inside the lab's peer namespace (<c>ip netns exec</c>), e.g. as the far end of a test.</summary>
        public static Running InPeerNamespace(NetLab lab, params string[] args) =>
            new(StartInfoVia(Requirements.Tool("ip", "iproute2"), ["netns", "exec", lab.Namespace], args));

        public Process Process { get; }

        /// <summary>Sends a signal by number (15 SIGTERM, 2 SIGINT) with kill(1).</summary>
        public void Signal(int signal)
        {
            using var kill = Process.Start("kill", [$"-{signal}", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
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
            _stderrLines.Dispose();
        }
    }
}
