using System.Globalization;
using System.Text.RegularExpressions;

namespace FastPath.Apps.Lab;

/// <summary>
/// Names of a lab's namespaces and links. Each carries the creating process's pid, so a later run can tell
/// the leftovers of a killed process (pid gone) from a lab still in use. Link names must fit IFNAMSIZ-1 =
/// 15 characters: "l" + pid (at most 7 digits, pid_max is 4194304) + "-" + lab (at most 2 digits) + "."
/// + link (at most 2 digits) + side (one letter) = 15.
/// </summary>
public static partial class LabNames
{
    /// <summary>Longest interface name the kernel accepts (IFNAMSIZ - 1).</summary>
    public const int MaxLinkNameLength = 15;

    /// <summary>Labs one process can have at once before ids repeat.</summary>
    public const int LabsPerProcess = 100;

    /// <summary>Links (veth pairs and bridges) one lab can hold.</summary>
    public const int LinksPerLab = 100;

    private const string NamespacePrefix = "fplab-";

    /// <summary>"4021-3": the creating pid and the process's lab counter.</summary>
    public static string LabId(int pid, int counter) =>
        string.Create(CultureInfo.InvariantCulture, $"{pid}-{counter % LabsPerProcess}");

    /// <summary>"fplab-4021-3-rx1": one namespace of the lab, named after its role.</summary>
    public static string Namespace(string labId, string role)
    {
        ValidateRole(role);
        return NamespacePrefix + labId + "-" + role;
    }

    /// <summary>"l4021-3.7a": one end of link 7 (sides a and b of a veth pair, r for a bridge).</summary>
    public static string Link(string labId, int link, char side)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(link);
        if (link >= LinksPerLab) throw new InvalidOperationException($"a lab holds at most {LinksPerLab} links");
        string name = string.Create(CultureInfo.InvariantCulture, $"l{labId}.{link}{side}");
        if (name.Length > MaxLinkNameLength) throw new InvalidOperationException($"link name {name} is longer than {MaxLinkNameLength} characters");
        return name;
    }

    /// <summary>Roles are short lower-case words and digits ("sender", "rx1", "bridge"): they end up in namespace names.</summary>
    public static void ValidateRole(string role)
    {
        ArgumentNullException.ThrowIfNull(role);
        if (!RolePattern().IsMatch(role)) throw new ArgumentException($"lab role '{role}' must be 1-20 characters of a-z, 0-9", nameof(role));
    }

    public static bool TryParseNamespaceOwner(string name, out int pid) => TryParseOwner(NamespacePattern().Match(name), out pid);

    public static bool TryParseLinkOwner(string name, out int pid) => TryParseOwner(LinkPattern().Match(name), out pid);

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}");

    private static bool TryParseOwner(Match match, out int pid)
    {
        pid = 0;
        return match.Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out pid);
    }

    [GeneratedRegex(@"^[a-z0-9]{1,20}$")]
    private static partial Regex RolePattern();

    [GeneratedRegex(@"^fplab-(\d+)-\d+-[a-z0-9]+$")]
    private static partial Regex NamespacePattern();

    [GeneratedRegex(@"^l(\d+)-\d+\.\d+[abr]$")]
    private static partial Regex LinkPattern();
}
