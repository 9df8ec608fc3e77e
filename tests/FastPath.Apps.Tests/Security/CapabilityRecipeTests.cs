using FastPath.TestKit;

namespace FastPath.Apps.Tests.Security;

/// <summary>
/// README's setcap recipe, run as written on a copy of the CLI: with the capabilities its table lists, nobody
/// (in the runners' group) answers the kernel's ping with `fastpath respond`; without any one of them the
/// command fails in one line that names the one taken away; outside the group the binary does not run.
/// </summary>
public sealed class CapabilityRecipeTests
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    public static TheoryData<string> AfXdpCapabilities => [.. CapabilityInstall.AfXdpCapabilities];

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void With_the_readme_capabilities_nobody_runs_respond_and_the_kernel_ping_gets_replies(string driver)
    {
        string ping = Requirements.Tool("ping", "iputils-ping");
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using CapabilityInstall install = CapabilityInstall.Create(driver == "afxdp" ? CapabilityInstall.AfXdpCapabilities : CapabilityInstall.AfPacketCapabilities);
        using (FastpathCli.Running respond = install.Start("respond", "--iface", lab.LocalInterface, "--driver", driver,
            "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "--duration", "60s"))
        {
            Assert.True(respond.WaitForStderr($"answering on {lab.LocalInterface} queue 0 ({driver}", ReadyTimeout),
                $"respond did not start: {DescribeEarlyExit(respond)}");
            if (driver == "afxdp") Assert.True(NetLab.HasXdpProgram(lab.LocalInterface), "no XDP program attached");

            CommandResult result = lab.RunInPeer(ping, "-c", "20", "-i", "0.05", "-W", "2", lab.LocalIp.ToString());
            Assert.True(result.Succeeded, result.ToString());
            Assert.Contains("20 packets transmitted, 20 received, 0% packet loss", result.Output, StringComparison.Ordinal);

            respond.Signal(15);
            var (exit, stdout, stderr) = respond.WaitForExit(TimeSpan.FromSeconds(30));
            Assert.True(exit == 0, $"exit {exit}: {stderr}");
            Assert.Contains("20 echo replies", stdout, StringComparison.Ordinal);
        }
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface), "the XDP program stayed on the interface");
    }

    [Theory]
    [MemberData(nameof(AfXdpCapabilities))]
    public void Without_any_one_of_the_afxdp_capabilities_respond_fails_in_one_line_naming_it(string removed)
    {
        using NetLab lab = NetLab.Create();
        string[] remaining = [.. CapabilityInstall.AfXdpCapabilities.Where(capability => capability != removed)];
        using CapabilityInstall install = CapabilityInstall.Create(remaining);
        var (exit, stdout, stderr) = install.Run("respond", "--iface", lab.LocalInterface, "--driver", "afxdp",
            "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "--duration", "5s");
        string line = UnprivilegedUserTests.AssertOneLineError(exit, stdout, stderr);
        Assert.Contains($"this process lacks {removed.ToUpperInvariant()} ", line, StringComparison.Ordinal);
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface), "a failed open left its XDP program behind");
    }

    /// <summary>
    /// Generic (SKB) XDP needs the same set: a bridge has no native XDP, so the driver attaches in generic mode
    /// there. The bridge lives in the lab's peer namespace and goes with it.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("cap_bpf")]
    [InlineData("cap_net_admin")]
    public void In_generic_xdp_mode_the_same_set_is_needed_and_enough(string? removed)
    {
        using NetLab lab = NetLab.Create();
        const string Bridge = "fpsecbr0";
        CommandResult add = lab.RunInPeer("ip", "link", "add", Bridge, "type", "bridge");
        Assert.True(add.Succeeded, add.ToString());
        Assert.True(lab.RunInPeer("ip", "link", "set", Bridge, "up").Succeeded);
        string[] capabilities = [.. CapabilityInstall.AfXdpCapabilities.Where(capability => capability != removed)];
        using CapabilityInstall install = CapabilityInstall.Create(capabilities);

        var (exit, stdout, stderr) = FastpathCli.Run(install.StartInfoInNamespace(lab.Namespace,
            "respond", "--iface", Bridge, "--driver", "afxdp", "--ip", "10.123.0.1/24", "--duration", "1s"));
        if (removed is null)
        {
            Assert.True(exit == 0, $"exit {exit}: {stderr}");
            Assert.Contains($"answering on {Bridge} queue 0 (afxdp, generic copy)", stderr, StringComparison.Ordinal);
        }
        else
        {
            string line = UnprivilegedUserTests.AssertOneLineError(exit, stdout, stderr);
            Assert.Contains($"this process lacks {removed.ToUpperInvariant()} ", line, StringComparison.Ordinal);
        }
        Assert.False(NetLab.HasXdpProgram(Bridge, lab.Namespace));
    }

    [Fact]
    public void A_user_outside_the_runners_group_cannot_run_the_capable_binary()
    {
        using CapabilityInstall install = CapabilityInstall.Create(CapabilityInstall.AfXdpCapabilities);
        var (exit, _, stderr) = FastpathCli.Run(install.StartInfo(inRunnersGroup: false, "decode", "--help"));
        Assert.NotEqual(0, exit);
        Assert.Contains("Permission denied", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// README says whoever may run the capable binary holds its capabilities, because the .NET host still reads
    /// its environment in secure-execution mode. This keeps that statement true: should the host start ignoring
    /// DOTNET_STARTUP_HOOKS under file capabilities, this fails and README's warning needs revisiting.
    /// </summary>
    [Fact]
    public void Under_file_capabilities_the_dotnet_host_still_honours_DOTNET_STARTUP_HOOKS()
    {
        using CapabilityInstall install = CapabilityInstall.Create(CapabilityInstall.AfXdpCapabilities);
        var start = install.StartInfo(inRunnersGroup: true, "decode", "--help");
        string hook = Path.Combine(install.Directory, "no-such-hook.dll");
        start.Environment["DOTNET_STARTUP_HOOKS"] = hook;
        var (exit, _, stderr) = FastpathCli.Run(start);
        Assert.NotEqual(0, exit);
        Assert.Contains($"Startup hook assembly '{hook}' failed to load", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Readme_gives_the_recipe_and_the_capability_sets_these_tests_use()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        Assert.Contains($"sudo setcap {CapabilityInstall.SetcapArgument(CapabilityInstall.AfXdpCapabilities)} /opt/fastpath/fastpath", readme, StringComparison.Ordinal);
        Assert.Contains($"sudo setcap {CapabilityInstall.SetcapArgument(CapabilityInstall.AfPacketCapabilities)} /opt/fastpath/fastpath", readme, StringComparison.Ordinal);
        Assert.Contains("sudo chmod 0750 /opt/fastpath/fastpath", readme, StringComparison.Ordinal);
        Assert.Contains("sudo chown -R root:root /opt/fastpath", readme, StringComparison.Ordinal);
    }

    private static string DescribeEarlyExit(FastpathCli.Running running)
    {
        if (!running.Process.HasExited) return "still running";
        var (exit, stdout, stderr) = running.WaitForExit(TimeSpan.FromSeconds(5));
        return $"exit {exit}; stdout: {stdout}; stderr: {stderr}";
    }
}
