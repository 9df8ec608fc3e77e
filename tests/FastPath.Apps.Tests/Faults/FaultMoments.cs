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
/// <see cref="ReadyFraction"/> aims at the attach itself: that fraction of the time the command took, in an
/// earlier run of the same test, from its start to its ready line.
/// </summary>
internal readonly record struct FaultMoment(FaultSignal Signal, bool AfterReady, TimeSpan Delay, bool Json, double? ReadyFraction = null)
{
    /// <summary>This moment with its delay fixed from the measured time to ready.</summary>
    public FaultMoment Resolve(TimeSpan? startToReady) =>
        ReadyFraction is { } fraction && startToReady is { } ready ? this with { Delay = ready * fraction } : this;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"SIG{(Signal == FaultSignal.Term ? "TERM" : "KILL")} {Delay.TotalMilliseconds:0} ms after {(AfterReady ? "ready" : "start")}"
        + $"{(ReadyFraction is { } f ? $" ({f:P0} of the time to ready)" : "")}{(Json ? " (--json)" : " (text)")}");
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
    /// <paramref name="terms"/> SIGTERMs and <paramref name="kills"/> SIGKILLs. The first is mid-run (up to
    /// <paramref name="late"/> after the ready line), which also measures the time to ready; then they cycle
    /// through early (0 to <paramref name="early"/> after start: .NET start-up, parsing), at the attach (70 to
    /// 100 % of the time to ready: program load, XSKMAP, bind, ring set-up) and mid-run. SIGTERMs alternate
    /// between --json and text; SIGKILLs start at the attach, where a leftover program would come from.
    /// </summary>
    public static IReadOnlyList<FaultMoment> Draw(string test, int terms, int kills, TimeSpan early, TimeSpan late)
    {
        var random = new Random(Seed ^ StableHash(test));
        var moments = new List<FaultMoment>();
        for (int i = 0; i < terms; i++) moments.Add(Next(random, FaultSignal.Term, i, early, late, json: i % 2 == 0));
        for (int i = 0; i < kills; i++) moments.Add(Next(random, FaultSignal.Kill, i + 2, early, late, json: true));
        return moments;
    }

    private static FaultMoment Next(Random random, FaultSignal signal, int index, TimeSpan early, TimeSpan late, bool json) => (index % 3) switch
    {
        0 => new FaultMoment(signal, AfterReady: true, Draw(random, late), json),
        1 => new FaultMoment(signal, AfterReady: false, Draw(random, early), json),
        _ => new FaultMoment(signal, AfterReady: false, early, json, ReadyFraction: 0.7 + (0.3 * random.NextDouble())),
    };

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
