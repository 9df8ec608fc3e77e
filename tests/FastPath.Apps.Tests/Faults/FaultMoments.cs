using System.Globalization;

namespace FastPath.Apps.Tests.Faults;

/// <summary>Which signal a fault sends: SIGTERM (the process may clean up) or SIGKILL (it may not).</summary>
internal enum FaultSignal
{
    Kill = 9,
    Term = 15,
}

/// <summary>
/// One injected fault: the signal, and when. <see cref="AfterReady"/> false: <see cref="Delay"/> after the
/// process started, which lands anywhere from .NET's start-up through option parsing to the XDP attach and
/// socket bind; true: <see cref="Delay"/> after the command said it is attached (mid-traffic).
/// </summary>
internal readonly record struct FaultMoment(FaultSignal Signal, bool AfterReady, TimeSpan Delay, bool Json)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"SIG{(Signal == FaultSignal.Term ? "TERM" : "KILL")} {Delay.TotalMilliseconds:0} ms after {(AfterReady ? "ready" : "start")}{(Json ? " (--json)" : " (text)")}");
}

/// <summary>
/// Draws the moments from a seeded generator, so a failure is replayed by its seed: FASTPATH_FAULT_SEED
/// fixes it, otherwise it is drawn and printed. Each test derives its own stream from the seed and its name.
/// </summary>
internal static class FaultMoments
{
    public static readonly int Seed = Environment.GetEnvironmentVariable("FASTPATH_FAULT_SEED") is { } text
        ? int.Parse(text, CultureInfo.InvariantCulture)
        : Random.Shared.Next(1, int.MaxValue);

    /// <summary>
    /// <paramref name="terms"/> SIGTERMs and <paramref name="kills"/> SIGKILLs: alternately early (0 to
    /// <paramref name="early"/> after start: start-up, XDP attach, socket bind) and mid-run (up to
    /// <paramref name="late"/> after the ready line); SIGTERMs alternate between --json and text.
    /// </summary>
    public static IReadOnlyList<FaultMoment> Draw(string test, int terms, int kills, TimeSpan early, TimeSpan late)
    {
        var random = new Random(Seed ^ StableHash(test));
        var moments = new List<FaultMoment>();
        for (int i = 0; i < terms; i++)
        {
            bool afterReady = i % 2 == 1;
            moments.Add(new FaultMoment(FaultSignal.Term, afterReady, Draw(random, afterReady ? late : early), Json: i % 4 < 2));
        }
        for (int i = 0; i < kills; i++)
        {
            bool afterReady = i % 2 == 1;
            moments.Add(new FaultMoment(FaultSignal.Kill, afterReady, Draw(random, afterReady ? late : early), Json: true));
        }
        return moments;
    }

    private static TimeSpan Draw(Random random, TimeSpan upTo) => TimeSpan.FromMilliseconds(random.NextDouble() * upTo.TotalMilliseconds);

    /// <summary>string.GetHashCode is randomized per process; the seed must replay across runs.</summary>
    private static int StableHash(string text)
    {
        unchecked
        {
            int hash = (int)2166136261;
            foreach (char c in text) hash = (hash ^ c) * 16777619;
            return hash;
        }
    }
}
