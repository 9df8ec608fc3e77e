using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.DataPath;

/// <summary>
/// The real <c>fastpath</c> binary running inside a lab's peer namespace (<c>ip netns exec</c>), for tests
/// where a FastPath sink is the far end; its output is collected in the background.
/// </summary>
internal sealed class PeerFastpath : IDisposable
{
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly BlockingCollection<string> _stderrLines = [];

    public PeerFastpath(NetLab lab, params string[] args)
    {
        ProcessStartInfo start = FastpathCli.StartInfo(args);
        start.ArgumentList.Insert(0, start.FileName);
        start.ArgumentList.Insert(0, lab.Namespace);
        start.ArgumentList.Insert(0, "exec");
        start.ArgumentList.Insert(0, "netns");
        start.FileName = Requirements.Tool("ip", "iproute2");
        Process = Process.Start(start)!;
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

    public (int Exit, string Stdout, string Stderr) WaitForExit(TimeSpan timeout)
    {
        Assert.True(Process.WaitForExit(timeout), $"fastpath in the peer namespace did not exit within {timeout}");
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
