using System.Globalization;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Faults;

/// <summary>
/// `fastpath lab` under SIGTERM and SIGKILL at random moments (seeded): while it builds its namespaces, as
/// its first programs start, mid-phase. After SIGTERM it removes its lab and exits 143; after SIGKILL its
/// reaper does the removing. Either way no namespace, link or program of the lab is left.
/// </summary>
public sealed class LabSignalFaultTests
{
    private const string FirstPhase = "round trips: fastpath ping";
    private static readonly TimeSpan RemovalTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void Lab_leaves_nothing_after_signals_at_random_moments()
    {
        Requirements.Root();
        Requirements.Tool("ping", "iputils-ping");
        Requirements.Tool("setpriv", "util-linux");
        // Early: while the namespaces and links are being made (on this VM the first phase starts 2-4 s in).
        IReadOnlyList<FaultMoment> moments = FaultMoments.Draw("lab", terms: 2, kills: 3, early: TimeSpan.FromSeconds(2), late: TimeSpan.FromSeconds(2));
        SignalFault.Log($"lab: seed {FaultMoments.Seed} (FASTPATH_FAULT_SEED replays it)");
        TimeSpan? startToReady = null;
        var outcomes = new List<string>();
        foreach (FaultMoment drawn in moments)
        {
            FaultMoment moment = drawn.Resolve(startToReady);
            string context = $"lab, {moment}, seed {FaultMoments.Seed}";
            using FaultProcess lab = FaultProcess.Start("lab", "--seconds", "2");
            string pid = lab.Process.Id.ToString(CultureInfo.InvariantCulture);
            if (moment.AfterReady)
            {
                Assert.True(lab.WaitForStderr(FirstPhase, TimeSpan.FromSeconds(90)), $"{context}: the lab never reached its first phase");
                startToReady ??= lab.Elapsed;
            }
            Thread.Sleep(moment.Delay);
            bool running = lab.HasPrinted(FirstPhase);
            string[] children = [.. Namespaces(pid).SelectMany(ns => Ip("netns", "pids", ns).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
            lab.Signal((int)moment.Signal);
            var (exit, stdout, stderr) = lab.WaitForExit(TimeSpan.FromSeconds(60));
            string output = $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}";

            if (moment.Signal == FaultSignal.Kill)
            {
                Assert.True(exit == 137, $"{context}: killed, yet exit {exit}\n{output}");
            }
            else
            {
                Assert.True(exit == 143, $"{context}: SIGTERM, documented exit 143\n{output}");
                Assert.Equal("", stdout);
                // Handled (the lab removed itself and says so) unless it came before the handler, when nothing existed yet.
                bool handled = stderr.Contains("the lab was removed", StringComparison.Ordinal);
                Assert.True(handled || !stderr.Contains("building lab", StringComparison.Ordinal), $"{context}: the lab was built but not removed\n{output}");
            }
            AssertNothingLeft(pid, context);
            Assert.All(children, child => Assert.True(Ends(child), $"{context}: process {child} of the lab still runs"));
            string line = string.Create(CultureInfo.InvariantCulture, $"lab: {moment}: {(running ? "mid-phase" : "building")}, {children.Length} programs running, exit {exit}; nothing left");
            SignalFault.Log(line);
            outcomes.Add(line);
        }
    }

    /// <summary>No namespace or link of the lab (names carry its pid): within a bound, since after SIGKILL the reaper removes them.</summary>
    private static void AssertNothingLeft(string pid, string context)
    {
        var deadline = DateTime.UtcNow + RemovalTimeout;
        while (true)
        {
            string[] namespaces = Namespaces(pid);
            string[] links = [.. Ip("-o", "link", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(fields => fields.Length > 1)
                .Select(fields => fields[1].TrimEnd(':').Split('@')[0]).Where(name => name.StartsWith($"l{pid}-", StringComparison.Ordinal))];
            if (namespaces.Length == 0 && links.Length == 0) return;
            Assert.True(DateTime.UtcNow < deadline, $"{context}: left behind: {string.Join(", ", [.. namespaces, .. links])}");
            Thread.Sleep(200);
        }
    }

    /// <summary>Whether process <paramref name="pid"/> ends within the bound (a zombie waiting for init to reap it has ended).</summary>
    private static bool Ends(string pid)
    {
        var deadline = DateTime.UtcNow + RemovalTimeout;
        while (DateTime.UtcNow < deadline)
        {
            string status;
            try
            {
                status = File.ReadAllText($"/proc/{pid}/status");
            }
            catch (IOException)
            {
                return true;
            }
            if (status.Split('\n').FirstOrDefault(line => line.StartsWith("State:", StringComparison.Ordinal)) is { } state && (state.Contains('Z', StringComparison.Ordinal) || state.Contains('X', StringComparison.Ordinal)))
                return true;
            Thread.Sleep(100);
        }
        return false;
    }

    private static string[] Namespaces(string pid) =>
        [.. Ip("netns", "list").Split('\n').Select(line => line.Split(' ')[0]).Where(name => name.StartsWith($"fplab-{pid}-", StringComparison.Ordinal))];

    private static string Ip(params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Requirements.Tool("ip", "iproute2"), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit(30_000);
        return output;
    }
}
