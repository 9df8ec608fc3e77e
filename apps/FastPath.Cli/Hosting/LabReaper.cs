using System.Diagnostics;
using System.Globalization;

namespace FastPath.Cli.Hosting;

/// <summary>
/// Removes this process's lab after it is gone, however it went. The lab removes itself on a normal end,
/// Ctrl-C and SIGTERM; SIGKILL gives it no chance, and a named network namespace (a bind mount under
/// /run/netns) outlives every process in it. So a small shell waits, outside the lab, on a pipe whose only
/// writer is this process: the kernel closes that end when the process dies, the read returns, and the
/// shell deletes the namespaces (and any stray link) whose name carries this pid. The programs the lab
/// started die first, by their parent-death signal.
/// </summary>
internal sealed class LabReaper : IDisposable
{
    private readonly Process? _shell;

    private LabReaper(Process? shell) => _shell = shell;

    /// <summary>Starts the waiting shell; null-safe: without /bin/sh the lab still cleans up on every ending but SIGKILL.</summary>
    public static LabReaper Start()
    {
        string pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        // The names LabNames gives: namespaces "fplab-PID-N-role", links "lPID-N.Mx".
        string script = string.Join('\n',
            // Off the lab's stdout and stderr: whoever reads them (a pipe, a test) sees their end when the lab ends.
            "exec >/dev/null 2>&1",
            "trap '' INT TERM HUP",
            "cat >/dev/null",
            $"for ns in $(ip netns list 2>/dev/null | awk '{{print $1}}' | grep '^fplab-{pid}-'); do",
            "  for p in $(ip netns pids \"$ns\" 2>/dev/null); do kill -9 \"$p\" 2>/dev/null; done",
            "  ip netns delete \"$ns\" 2>/dev/null",
            "done",
            $"for link in $(ip -o link show 2>/dev/null | awk '{{print $2}}' | cut -d@ -f1 | tr -d : | grep '^l{pid}-'); do ip link delete \"$link\" 2>/dev/null; done",
            "exit 0");
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        try
        {
            return new LabReaper(Process.Start(start));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return new LabReaper(null);
        }
    }

    /// <summary>Closes the pipe: the shell sweeps (nothing is left after the lab's own clean-up) and exits.</summary>
    public void Dispose()
    {
        if (_shell is null) return;
        _shell.StandardInput.Close();
        _shell.WaitForExit(TimeSpan.FromSeconds(30));
        _shell.Dispose();
    }
}
