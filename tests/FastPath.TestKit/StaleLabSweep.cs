namespace FastPath.TestKit;

/// <summary>
/// Removes what a killed test run left behind: NetLab namespaces and links whose creating process is gone.
/// Labs of live processes (another test assembly running at the same time) are left alone.
/// </summary>
internal static class StaleLabSweep
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static void Run(string ip)
    {
        // Namespaces first: deleting one frees the peer end it holds, and with it the pair.
        foreach (string name in FirstTokens(CommandRunner.Check(ip, ["netns", "list"], Timeout).Output))
        {
            if (NetLabNames.TryParseNamespaceOwner(name, out int pid) && !NetLabNames.IsAlive(pid))
                Report(CommandRunner.Run(ip, ["netns", "delete", name], Timeout), $"stale namespace {name}");
        }

        // A namespace's links vanish only when its last reference goes, so a local end may outlive it.
        foreach (string name in LinkNames(CommandRunner.Check(ip, ["-o", "link", "show"], Timeout).Output))
        {
            if (NetLabNames.TryParseLinkOwner(name, out int pid) && !NetLabNames.IsAlive(pid))
                CommandRunner.Run(ip, ["link", "delete", name], Timeout); // its pair partner may have taken it already
        }
    }

    /// <summary>"fastpath-1-0 (id: 3)" → "fastpath-1-0".</summary>
    private static IEnumerable<string> FirstTokens(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line => line.Split(' ')[0]);

    /// <summary>"7: fp1-0a@if6: &lt;BROADCAST,...&gt; ..." → "fp1-0a".</summary>
    internal static IEnumerable<string> LinkNames(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 1)
            .Select(fields => fields[1].TrimEnd(':').Split('@')[0]);

    private static void Report(CommandResult result, string what)
    {
        if (!result.Succeeded) Console.Error.WriteLine($"NetLab: could not remove {what}: {result}");
    }
}
