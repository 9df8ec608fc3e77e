using Xunit;

namespace FastPath.TestKit;

/// <summary>
/// Skips a test whose environment is missing (root, a tool, network namespaces), with the reason; when
/// FASTPATH_REQUIRE_NETNS=1 (CI) a missing requirement fails the test instead, so CI cannot go green by
/// skipping what it was meant to exercise.
/// </summary>
public static class Requirements
{
    public static bool Strict => Environment.GetEnvironmentVariable("FASTPATH_REQUIRE_NETNS") == "1";

    public static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    /// <summary>The full path of <paramref name="tool"/> on PATH, or null.</summary>
    public static string? FindTool(string tool)
    {
        // PATH first, then the sbin folders a non-login root shell may leave out of it (ip lives there).
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Concat(["/usr/sbin", "/sbin"]);
        return folders.Select(folder => Path.Combine(folder, tool)).FirstOrDefault(File.Exists);
    }

    /// <summary>Returns the tool's path, or skips (fails when strict) with the reason.</summary>
    public static string Tool(string tool, string package)
    {
        string? path = FindTool(tool);
        if (path != null) return path;
        Unmet($"{tool} is not installed (apt-get install {package})");
        return null!;
    }

    public static void Root()
    {
        if (!IsRoot) Unmet("needs root (network namespaces, AF_XDP, AF_PACKET)");
    }

    public static void Unmet(string reason)
    {
        if (Strict) Assert.Fail($"requirement missing with FASTPATH_REQUIRE_NETNS=1: {reason}");
        Assert.Skip(reason);
    }

    private static uint GetEuid()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                    return uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        return uint.MaxValue;
    }
}
