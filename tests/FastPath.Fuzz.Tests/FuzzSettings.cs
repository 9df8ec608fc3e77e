using System.Globalization;

namespace FastPath.Fuzz.Tests;

/// <summary>
/// How long and from which seed the fuzzer runs. FASTPATH_FUZZ_SECONDS (default 60) is the budget of the
/// whole run, split over the targets by their share; FASTPATH_FUZZ_SEED (default fixed) replays a run: the
/// same seed and the same corpus give the same inputs in the same order, on any machine.
/// </summary>
internal static class FuzzSettings
{
    public const ulong DefaultSeed = 20261122;
    private const double DefaultSeconds = 60;

    public static ulong Seed { get; } = ReadSeed();

    public static double TotalSeconds { get; } = ReadSeconds();

    /// <summary>
    /// A test runs at most this long: test.sh kills a test host whose test runs 10 minutes (--blame-hang-timeout),
    /// so a long budget is cut into rounds, one test case each.
    /// </summary>
    public static readonly TimeSpan MaximumRound = TimeSpan.FromMinutes(5);

    /// <summary>The wall-clock budget of one target: <paramref name="share"/> of the total.</summary>
    public static TimeSpan Budget(double share) => TimeSpan.FromSeconds(TotalSeconds * share);

    /// <summary>How many rounds a target's budget is cut into (one for the default minute).</summary>
    public static int RoundCount(double share) => Math.Max(1, (int)Math.Ceiling(Budget(share) / MaximumRound));

    /// <summary>The budget of one round.</summary>
    public static TimeSpan RoundBudget(double share) => Budget(share) / RoundCount(share);

    /// <summary>Round r runs from seed + r: round 0 is the seed itself, and FASTPATH_FUZZ_SEED=seed+r replays round r as round 0.</summary>
    public static ulong RoundSeed(int round) => Seed + (ulong)round;

    /// <summary>The rounds, for a theory's MemberData.</summary>
    public static TheoryData<int> Rounds(double share)
    {
        var rounds = new TheoryData<int>();
        for (int round = 0; round < RoundCount(share); round++) rounds.Add(round);
        return rounds;
    }

    private static ulong ReadSeed()
    {
        string? text = Environment.GetEnvironmentVariable("FASTPATH_FUZZ_SEED");
        if (string.IsNullOrWhiteSpace(text)) return DefaultSeed;
        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : ulong.Parse(text, CultureInfo.InvariantCulture);
    }

    private static double ReadSeconds()
    {
        string? text = Environment.GetEnvironmentVariable("FASTPATH_FUZZ_SECONDS");
        if (string.IsNullOrWhiteSpace(text)) return DefaultSeconds;
        double seconds = double.Parse(text, CultureInfo.InvariantCulture);
        if (seconds <= 0) throw new InvalidOperationException($"FASTPATH_FUZZ_SECONDS must be positive, got {text}");
        return seconds;
    }
}
