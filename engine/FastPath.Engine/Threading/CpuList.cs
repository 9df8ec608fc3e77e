using System.Globalization;

namespace FastPath.Engine.Threading;

/// <summary>A CPU list as taskset and /sys write it: "0", "0-3", "0,2,4-5". Order kept, duplicates refused.</summary>
public static class CpuList
{
    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> with a one-line reason.</summary>
    public static IReadOnlyList<int> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cpus = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            int dash = part.IndexOf('-', StringComparison.Ordinal);
            int first = ParseCpu(part.AsSpan(0, dash < 0 ? part.Length : dash), text);
            int last = dash < 0 ? first : ParseCpu(part.AsSpan(dash + 1), text);
            if (last < first) throw new FormatException($"'{text}' is not a CPU list: range {part} goes backwards");
            for (int cpu = first; cpu <= last; cpu++)
            {
                if (cpus.Contains(cpu)) throw new FormatException($"'{text}' is not a CPU list: CPU {cpu} appears twice");
                cpus.Add(cpu);
            }
        }
        return cpus;
    }

    private static int ParseCpu(ReadOnlySpan<char> digits, string text)
    {
        const int MaxCpu = 1023;
        if (digits.IsEmpty || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int cpu) || cpu > MaxCpu)
            throw new FormatException($"'{text}' is not a CPU list (expected e.g. 0, 0-3 or 0,2,4-5)");
        return cpu;
    }
}
