using System.Globalization;
using System.Net;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Faults;

/// <summary>Shared set-up of the signal tests: the moments to try and the command-line pieces.</summary>
internal static class FaultLab
{
    /// <summary>SIGTERMs per command and driver: early and mid-run, --json and text.</summary>
    public const int Terms = 4;

    /// <summary>SIGKILLs per command and driver: one early, one mid-run.</summary>
    public const int Kills = 2;

    /// <summary>Early moments: from the start to a little past the ready line (.NET start-up, parsing, XDP attach, bind), on this VM about 0.2-0.4 s.</summary>
    public static readonly TimeSpan Early = TimeSpan.FromMilliseconds(600);

    /// <summary>Mid-run moments: up to this long after the ready line.</summary>
    public static readonly TimeSpan Late = TimeSpan.FromMilliseconds(800);

    public static IReadOnlyList<FaultMoment> Moments(string test) => FaultMoments.Draw(test, Terms, Kills, Early, Late);

    public static string Address(NetLab lab) => $"{lab.LocalIp}/{lab.PrefixLength.ToString(CultureInfo.InvariantCulture)}";

    public static IPAddress Ip(FastPath.Wire.Ipv4.Ipv4Address address) => IPAddress.Parse(address.ToString());

    public static FaultProcess Start(bool json, params string[] args) => FaultProcess.Start(Json(json, args));

    public static string[] Json(bool json, string[] args) => json ? [.. args, "--json"] : args;
}
