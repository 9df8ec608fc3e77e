using System.Globalization;

namespace FastPath.Apps.Tests.Soak;

/// <summary>
/// How long the soak runs and how hard: two minutes at 50 kpps in CI, hours by
/// <c>FASTPATH_SOAK_SECONDS=14400 ./test.sh --filter "FullyQualifiedName~Soak"</c>; <c>FASTPATH_SOAK_PPS</c> sets the
/// generator's rate (modest by default, so the machine's other tests are not starved).
/// </summary>
internal sealed record SoakSettings(TimeSpan Duration, long PacketsPerSecond)
{
    public const string SecondsVariable = "FASTPATH_SOAK_SECONDS";
    public const string RateVariable = "FASTPATH_SOAK_PPS";
    private const int DefaultSeconds = 120;
    private const long DefaultPacketsPerSecond = 50_000;

    /// <summary>
    /// The first part of a run that the growth checks ignore: the JIT's second tier, the PGO rewrites, the
    /// pools' first fill and the GC's first budgets all settle here. A quarter of the run, at least 20 s and at
    /// most 5 minutes.
    /// </summary>
    public TimeSpan WarmUp => TimeSpan.FromSeconds(Math.Clamp(Duration.TotalSeconds / 4, 20, 300));

    public static SoakSettings FromEnvironment() => new(
        TimeSpan.FromSeconds(Read(SecondsVariable, DefaultSeconds, minimum: 30)),
        Read(RateVariable, DefaultPacketsPerSecond, minimum: 1000));

    private static long Read(string variable, long fallback, long minimum)
    {
        string? text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < minimum)
            throw new InvalidOperationException($"{variable}={text}: give a whole number of at least {minimum}");
        return value;
    }
}
