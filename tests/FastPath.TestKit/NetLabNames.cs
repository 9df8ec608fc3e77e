using System.Globalization;
using System.Text.RegularExpressions;

namespace FastPath.TestKit;

/// <summary>
/// Names of NetLab's namespaces and links. Each carries the creating process's pid, so a later run can tell
/// the leftovers of a killed run (pid gone) from the labs of a run still going. Interface names must fit
/// IFNAMSIZ-1 = 15 characters: "fp" + pid (at most 7 digits) + "-" + counter (at most 4) + side = 15.
/// </summary>
internal static partial class NetLabNames
{
    private const int CounterModulus = 10_000;

    public static string Namespace(int pid, int counter) => $"fastpath-{pid}-{counter % CounterModulus}";

    public static string LocalLink(int pid, int counter) => $"fp{pid}-{counter % CounterModulus}a";

    public static string PeerLink(int pid, int counter) => $"fp{pid}-{counter % CounterModulus}b";

    public static bool TryParseNamespaceOwner(string name, out int pid) => TryParseOwner(NamespacePattern().Match(name), out pid);

    public static bool TryParseLinkOwner(string name, out int pid) => TryParseOwner(LinkPattern().Match(name), out pid);

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    private static bool TryParseOwner(Match match, out int pid)
    {
        pid = 0;
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out pid);
    }

    [GeneratedRegex(@"^fastpath-(\d+)-\d+$")]
    private static partial Regex NamespacePattern();

    [GeneratedRegex(@"^fp(\d+)-\d+[ab]$")]
    private static partial Regex LinkPattern();
}
