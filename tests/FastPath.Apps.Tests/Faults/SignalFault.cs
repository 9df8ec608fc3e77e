using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Faults;

/// <summary>A data-path command under fault: how to start it and what its report must hold after SIGTERM.</summary>
internal sealed record FaultTarget
{
    /// <summary>"gen afxdp": for messages and the figures.</summary>
    public required string Name { get; init; }

    /// <summary>Starts the command (with --json when asked) on the lab.</summary>
    public required Func<bool, FaultProcess> Start { get; init; }

    /// <summary>The stderr text the command prints once every port is attached; null for a command that prints none (tcp connect).</summary>
    public required string? ReadyText { get; init; }

    /// <summary>For a command without a ready line: a count that grows once it runs (bytes a kernel peer received from it).</summary>
    public Func<long>? Progress { get; init; }

    /// <summary>Members the --json report must have (the counters); "frames" is always checked.</summary>
    public required string[] JsonFields { get; init; }

    /// <summary>What the text summary looks like (a regex over stdout and stderr).</summary>
    public required string TextSummary { get; init; }

    /// <summary>The documented exit status after SIGTERM, given the report (the --json root, or null) and the text output.</summary>
    public Func<JsonElement?, string, int> TermExit { get; init; } = (_, _) => 0;

    /// <summary>Where an XDP program could be: (interface, namespace or null for ours).</summary>
    public required IReadOnlyList<(string Interface, string? Namespace)> Interfaces { get; init; }
}

/// <summary>Where the signal landed, as the process's output tells it.</summary>
internal enum FaultPhase
{
    /// <summary>SIGTERM before the command installed its handler (.NET start-up, option parsing): default action, status 143, nothing opened, nothing printed.</summary>
    BeforeHandler,

    /// <summary>SIGTERM handled, sent before the ready line had come: ports being opened, the XDP program being attached.</summary>
    Attaching,

    /// <summary>SIGTERM handled, sent after the ready line (or the first bytes at the peer): mid-traffic.</summary>
    Running,

    /// <summary>SIGKILL: nothing runs after it.</summary>
    Killed,
}

internal readonly record struct FaultOutcome(FaultMoment Moment, FaultPhase Phase, int Exit, long FramesTotal, long FramesReturned)
{
    /// <summary>From the start to the ready line, when the run waited for it.</summary>
    public TimeSpan? StartToReady { get; init; }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Moment}: {Phase}, exit {Exit}{(Phase is FaultPhase.Attaching or FaultPhase.Running ? $", frames {FramesReturned}/{FramesTotal} returned" : "")}");
}

/// <summary>
/// Starts a command, sends it one signal at a chosen moment and checks the end: it exits within a bound;
/// after SIGKILL with status 137, after SIGTERM with the documented status and a complete report (JSON that
/// parses with every counter, or the text summary) saying every frame is back in the pool; and no XDP
/// program is left on any interface of the lab.
/// </summary>
internal static partial class SignalFault
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    private const int KilledStatus = 128 + 9;
    private const int TerminatedStatus = 128 + 15;
    private static readonly Lock LogLock = new();

    /// <summary>Injects every moment in turn; returns the outcomes (also written to the test output with the seed).</summary>
    public static IReadOnlyList<FaultOutcome> InjectAll(FaultTarget target, IReadOnlyList<FaultMoment> moments)
    {
        Log($"{target.Name}: seed {FaultMoments.Seed} (FASTPATH_FAULT_SEED replays it)");
        var outcomes = new List<FaultOutcome>();
        TimeSpan? startToReady = null;
        foreach (FaultMoment drawn in moments)
        {
            FaultMoment moment = drawn.Resolve(startToReady);
            FaultOutcome outcome = Inject(target, moment);
            startToReady ??= outcome.StartToReady;
            Log($"{target.Name}: {outcome}");
            outcomes.Add(outcome);
        }
        Log($"{target.Name}: {Summary(outcomes)}");
        return outcomes;
    }

    public static FaultOutcome Inject(FaultTarget target, FaultMoment moment)
    {
        string context = $"{target.Name}, {moment}, seed {FaultMoments.Seed}";
        int exit;
        string stdout, stderr;
        TimeSpan? startToReady = null;
        bool readyBeforeSignal;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long progressAtStart = target.Progress?.Invoke() ?? 0;
        using (FaultProcess process = target.Start(moment.Json))
        {
            if (moment.AfterReady)
            {
                Assert.True(WaitUntilReady(target, process, progressAtStart), $"{context}: the command did not get ready");
                startToReady = clock.Elapsed;
            }
            Thread.Sleep(moment.Delay);
            // Whether the ready line (or the first bytes) had come by the moment of the signal: the phase it hit.
            readyBeforeSignal = moment.AfterReady || (target.ReadyText is { } text ? process.HasPrinted(text)
                : target.Progress is { } progress && progress() > progressAtStart);
            process.Signal((int)moment.Signal);
            // Promptly: a bound for a loaded machine, not a timing assertion.
            (exit, stdout, stderr) = process.WaitForExit(ExitTimeout);
        }
        string output = $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}";
        Assert.False(stderr.Contains("Unhandled exception", StringComparison.Ordinal) || stderr.Contains("\n   at ", StringComparison.Ordinal),
            $"{context}: a stack trace\n{output}");
        foreach ((string name, string? ns) in target.Interfaces)
            Assert.False(NetLab.HasXdpProgram(name, ns), $"{context}: an XDP program was left on {name}\n{output}");

        if (moment.Signal == FaultSignal.Kill)
        {
            Assert.True(exit == KilledStatus, $"{context}: killed, yet exit {exit}\n{output}");
            return new FaultOutcome(moment, FaultPhase.Killed, exit, 0, 0) { StartToReady = startToReady };
        }

        bool readyPrinted = target.ReadyText is { } ready && stderr.Contains(ready, StringComparison.Ordinal);
        if (exit == TerminatedStatus && stdout.Length == 0 && !readyPrinted && !FramesSentence().IsMatch(stderr)
            && !stderr.Contains("stopped", StringComparison.Ordinal))
        {
            // The runtime's default action: the handler was not installed yet, so nothing was opened.
            return new FaultOutcome(moment, FaultPhase.BeforeHandler, exit, 0, 0) { StartToReady = startToReady };
        }

        JsonElement? root = null;
        long total, returned;
        if (moment.Json)
        {
            JsonDocument report;
            try
            {
                report = JsonDocument.Parse(stdout);
            }
            catch (JsonException e)
            {
                Assert.Fail($"{context}: the --json report does not parse ({e.Message})\n{output}");
                throw;
            }
            using (report)
            {
                root = report.RootElement.Clone();
            }
            foreach (string field in target.JsonFields)
                Assert.True(root.Value.TryGetProperty(field, out _), $"{context}: the report has no '{field}'\n{output}");
            Assert.True(root.Value.TryGetProperty("frames", out JsonElement frames), $"{context}: the report has no 'frames'\n{output}");
            total = frames.GetProperty("total").GetInt64();
            returned = frames.GetProperty("returned").GetInt64();
            Assert.True(frames.GetProperty("in_use_after_close").GetInt64() == total - returned, $"{context}: frames do not add up\n{output}");
        }
        else
        {
            Assert.True(Regex.IsMatch(stdout + stderr, target.TextSummary, RegexOptions.Multiline), $"{context}: no summary matching /{target.TextSummary}/\n{output}");
            Match sentence = FramesSentence().Match(stdout + stderr);
            Assert.True(sentence.Success, $"{context}: the summary does not say where the frames are\n{output}");
            returned = long.Parse(sentence.Groups[1].Value, CultureInfo.InvariantCulture);
            total = long.Parse(sentence.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        Assert.True(total > 0, $"{context}: no frames counted\n{output}");
        Assert.True(returned == total, $"{context}: {total - returned} of {total} frames not back in the pool\n{output}");
        int expected = target.TermExit(root, stdout);
        Assert.True(exit == expected, $"{context}: exit {exit}, documented {expected}\n{output}");
        return new FaultOutcome(moment, readyBeforeSignal ? FaultPhase.Running : FaultPhase.Attaching, exit, total, returned) { StartToReady = startToReady };
    }

    private static bool WaitUntilReady(FaultTarget target, FaultProcess process, long progressAtStart)
    {
        if (target.ReadyText is { } text) return process.WaitForStderr(text, ReadyTimeout);
        if (target.Progress is not { } progress) return true;
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (progress() <= progressAtStart)
        {
            if (process.Process.HasExited || DateTime.UtcNow > deadline) return false;
            Thread.Sleep(10);
        }
        return true;
    }

    /// <summary>"5 SIGTERM (2 before the handler, 1 attaching, 2 running; frames 8192/8192), 2 SIGKILL".</summary>
    public static string Summary(IEnumerable<FaultOutcome> outcomes)
    {
        FaultOutcome[] all = [.. outcomes];
        FaultOutcome[] terms = [.. all.Where(o => o.Moment.Signal == FaultSignal.Term)];
        return string.Create(CultureInfo.InvariantCulture,
            $"{terms.Length} SIGTERM ({terms.Count(o => o.Phase == FaultPhase.BeforeHandler)} before the handler, {terms.Count(o => o.Phase == FaultPhase.Attaching)} attaching, "
            + $"{terms.Count(o => o.Phase == FaultPhase.Running)} running; frames returned {terms.Sum(o => o.FramesReturned)}/{terms.Sum(o => o.FramesTotal)}), "
            + $"{all.Length - terms.Length} SIGKILL; nothing left behind");
    }

    public static void Log(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Environment.GetEnvironmentVariable("FASTPATH_FAULT_LOG") is { Length: > 0 } file)
        {
            lock (LogLock) File.AppendAllText(file, line + Environment.NewLine);
        }
    }

    /// <summary>Exit status of ping after SIGTERM, as iputils: 0 when any reply came back, 1 when none did.</summary>
    public static int PingExit(JsonElement? root, string stdout)
    {
        long received = root is { } json ? json.GetProperty("received").GetInt64()
            : Regex.Match(stdout, @"(\d+) received") is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return received > 0 ? 0 : 1;
    }

    [GeneratedRegex(@"(\d+) of (\d+) frames back in the pool")]
    private static partial Regex FramesSentence();
}
