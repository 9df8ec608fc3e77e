using System.Globalization;

namespace FastPath.Apps.Lab;

/// <summary>
/// Removes labs left behind by a process that died without cleaning up (SIGKILL, power cut): namespaces
/// and links whose name carries a pid that no longer runs. Labs of live processes are left alone, so two
/// labs coexist.
/// </summary>
internal static class LabSweep
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static int Run(string ip)
    {
        int removed = 0;
        foreach (string name in FirstTokens(LabCommand.Check(ip, ["netns", "list"], Timeout).Output))
        {
            if (!LabNames.TryParseNamespaceOwner(name, out int pid) || LabNames.IsAlive(pid)) continue;
            KillProcessesIn(ip, name);
            if (LabCommand.Run(ip, ["netns", "delete", name], Timeout).Succeeded) removed++;
        }

        // Labs create their links inside their namespaces, so none should be here; a builder of another
        // version might have left one.
        foreach (string name in LinkNames(LabCommand.Check(ip, ["-o", "link", "show"], Timeout).Output))
        {
            if (LabNames.TryParseLinkOwner(name, out int pid) && !LabNames.IsAlive(pid)
                && LabCommand.Run(ip, ["link", "delete", name], Timeout).Succeeded)
                removed++;
        }
        return removed;
    }

    /// <summary>
    /// A process inside a namespace keeps it (and its links) alive after <c>ip netns delete</c> removes
    /// the name; children we started die with us, but what they started in turn may not.
    /// </summary>
    public static void KillProcessesIn(string ip, string ns)
    {
        LabCommandResult pids = LabCommand.Run(ip, ["netns", "pids", ns], Timeout);
        if (!pids.Succeeded) return;
        foreach (string line in pids.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
                // Exited while we looked.
            }
        }
    }

    /// <summary>"fplab-1-0-rx1 (id: 3)" → "fplab-1-0-rx1".</summary>
    internal static IEnumerable<string> FirstTokens(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line => line.Split(' ')[0]);

    /// <summary>"7: l12-0.1a@if6: &lt;BROADCAST,...&gt; ..." → "l12-0.1a".</summary>
    internal static IEnumerable<string> LinkNames(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 1)
            .Select(fields => fields[1].TrimEnd(':').Split('@')[0]);
}
