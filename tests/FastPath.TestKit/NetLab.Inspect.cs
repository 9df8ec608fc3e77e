using FastPath.TestKit.Interop;

namespace FastPath.TestKit;

/// <summary>Checks tests make on interfaces, in the lab or elsewhere.</summary>
public sealed partial class NetLab
{
    /// <summary>
    /// Whether an XDP program is attached to the interface, from <c>ip [-n NS] -d link show dev IF</c>.
    /// iproute2 prints nothing about XDP when none is attached; with one it prints the mode on the flags
    /// line ("xdp", "xdpgeneric", "xdpoffload", "xdpmulti" after the mtu) and, with -d, a line
    /// "prog/xdp id N ..." (or "prog/xdpdrv", "prog/xdpgeneric" in multi mode). Any such token counts.
    /// </summary>
    public static bool HasXdpProgram(string interfaceName, string? ns = null)
    {
        string ip = Requirements.Tool("ip", "iproute2");
        string[] arguments = ns is null ? ["-d", "link", "show", "dev", interfaceName] : ["-n", ns, "-d", "link", "show", "dev", interfaceName];
        CommandResult result = CommandRunner.Check(ip, arguments, TimeSpan.FromSeconds(30));
        return result.Output.Split((char[])[' ', '\t', '\n', '\\'], StringSplitOptions.RemoveEmptyEntries).Any(IsXdpToken);
    }

    /// <summary>
    /// Reads TX checksum offload (ETHTOOL_GTXCSUM) of an interface in the calling thread's namespace; wrap
    /// it in <see cref="InNamespace{T}(Func{T})"/> to read the peer end.
    /// </summary>
    public static bool ReadTxChecksumOffload(string interfaceName) => Ethtool.ReadTxChecksum(interfaceName);

    private static bool IsXdpToken(string token) =>
        token is "xdp" or "xdpgeneric" or "xdpdrv" or "xdpoffload" or "xdpmulti" || token.StartsWith("prog/xdp", StringComparison.Ordinal);
}
