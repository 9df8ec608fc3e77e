using System.Diagnostics;
using System.Globalization;

namespace FastPath.Fuzz.Tests;

/// <summary>What one target's run did: inputs (exhaustive truncations and random mutants), time, rate.</summary>
internal sealed class FuzzReport(string target, ulong seed)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public string Target { get; } = target;
    public ulong Seed { get; } = seed;
    public long Inputs { get; set; }
    public long Exhaustive { get; set; }
    public List<string> Notes { get; } = [];

    public TimeSpan Elapsed => _clock.Elapsed;

    public override string ToString()
    {
        double seconds = Math.Max(Elapsed.TotalSeconds, 1e-9);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"fuzz {Target}: seed {Seed}, {Inputs} inputs ({Exhaustive} exhaustive truncations, {Inputs - Exhaustive} mutants) in {seconds:0.0} s = {Inputs / seconds:0} inputs/s");
        return Notes.Count == 0 ? line : line + "\n  " + string.Join("\n  ", Notes);
    }

    /// <summary>Writes the report to the test's output, and appends it to FASTPATH_FUZZ_STATS if set (for README figures).</summary>
    public void Publish()
    {
        string text = ToString();
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        string? file = Environment.GetEnvironmentVariable("FASTPATH_FUZZ_STATS");
        if (!string.IsNullOrEmpty(file)) File.AppendAllText(file, text + "\n");
    }
}
