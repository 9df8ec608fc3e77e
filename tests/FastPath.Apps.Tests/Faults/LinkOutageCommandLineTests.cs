using System.Diagnostics;
using System.Globalization;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Faults;

/// <summary>
/// The interface under a running `fastpath respond` goes down and comes back, then disappears: the command
/// says so on stderr (LinkMonitor), keeps answering the kernel's ping after the outage without a restart,
/// and ends with one line and exit 2 when the link is gone, leaving no XDP program behind.
/// </summary>
public sealed class LinkOutageCommandLineTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Respond_reports_a_link_outage_answers_again_after_it_and_ends_in_one_line_when_the_link_is_gone(string driver)
    {
        using NetLab lab = NetLab.Create();
        string ip = Requirements.Tool("ip", "iproute2");
        string ping = Requirements.Tool("ping", "iputils-ping");
        using FaultProcess respond = FaultLab.Start(false, "respond", "--iface", lab.LocalInterface, "--driver", driver,
            "--ip", FaultLab.Address(lab), "--duration", "120s");
        Assert.True(respond.WaitForStderr("answering on", Bound), "respond never said it was answering");
        AssertPeerGetsReplies(lab, ip, ping, "before the outage");

        Check(ip, "link", "set", "dev", lab.LocalInterface, "down");
        Assert.True(respond.WaitForStderr($"fastpath: link {lab.LocalInterface} down", Bound), "the outage was not reported");
        Thread.Sleep(Outage);
        Check(ip, "link", "set", "dev", lab.LocalInterface, "up");
        Assert.True(respond.WaitForStderr($"fastpath: link {lab.LocalInterface} up again after", Bound), "the recovery was not reported");
        Assert.False(respond.Process.HasExited, "respond ended on a link outage");
        AssertPeerGetsReplies(lab, ip, ping, "after the outage (same process, no restart)");

        Check(ip, "link", "delete", lab.LocalInterface);
        (int exit, _, string stderr) = respond.WaitForExit(Bound);
        Assert.Equal(2, exit);
        string[] gone = [.. stderr.Split('\n').Where(line => line.Contains("is gone", StringComparison.Ordinal))];
        Assert.Single(gone);
        Assert.Contains($"link {lab.LocalInterface} is gone", gone[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception:", stderr, StringComparison.Ordinal);
    }

    /// <summary>Five pings from the peer's kernel; the link comes up with carrier a moment after `up`, so a few tries are allowed.</summary>
    private static void AssertPeerGetsReplies(NetLab lab, string ip, string ping, string when)
    {
        (int Exit, string Output) last = default;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            last = Run(ip, "netns", "exec", lab.Namespace, ping, "-c", "5", "-i", "0.2", "-W", "2", lab.LocalIp.ToString());
            if (last.Exit == 0 && last.Output.Contains(" 0% packet loss", StringComparison.Ordinal)) return;
            Thread.Sleep(500);
        }
        Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"the kernel's ping got no full set of replies {when}: exit {last.Exit}, {last.Output}"));
    }

    private static void Check(string file, params string[] arguments)
    {
        (int exit, string output) = Run(file, arguments);
        Assert.True(exit == 0, $"{file} {string.Join(' ', arguments)}: exit {exit}, {output}");
    }

    private static (int Exit, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(Bound), $"{file} did not finish within {Bound}");
        return (process.ExitCode, output + error.Result);
    }
}
