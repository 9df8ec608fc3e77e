using FastPath.TestKit;

namespace FastPath.Apps.Tests.Security;

/// <summary>
/// What a user without capabilities gets from the CLI: commands that need an interface refuse in one line that
/// names the capability missing (exit 2, no stack trace, nothing attached), and the file commands work.
/// </summary>
public sealed class UnprivilegedUserTests
{
    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    [InlineData("auto")]
    public void Respond_and_gen_without_capabilities_fail_in_one_line_naming_CAP_NET_RAW(string driver)
    {
        using NetLab lab = NetLab.Create();
        using CapabilityInstall install = CapabilityInstall.Create([]);
        string[][] commands =
        [
            ["respond", "--iface", lab.LocalInterface, "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "--driver", driver, "--duration", "5s"],
            ["gen", "--iface", lab.LocalInterface, "--src-ip", lab.LocalIp.ToString(), "--dst-ip", lab.PeerIp.ToString(), "--count", "10", "--driver", driver],
        ];
        foreach (string[] command in commands)
        {
            var (exit, stdout, stderr) = install.Run(command);
            string line = AssertOneLineError(exit, stdout, stderr);
            // The first call each driver makes is socket(2), which needs CAP_NET_RAW; auto ends on AF_PACKET's.
            string expectedDriver = driver == "afxdp" ? "AF_XDP" : "AF_PACKET";
            Assert.Contains($"{expectedDriver} needs CAP_NET_RAW (or root)", line, StringComparison.Ordinal);
            Assert.Contains("this process lacks CAP_NET_RAW", line, StringComparison.Ordinal);
        }
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
    }

    [Fact]
    public void Decode_and_pcap_out_work_without_any_capability()
    {
        using CapabilityInstall install = CapabilityInstall.Create([]);
        // A folder nobody may write, inside the install folder the test removes.
        string output = install.CreateWritableFolder("out");
        string capture = Path.Combine(output, "gen.pcap");

        var (genExit, _, genError) = install.Run("gen", "--pcap-out", capture, "--src-ip", "10.0.0.1", "--dst-ip", "10.0.0.2", "--count", "5");
        Assert.True(genExit == 0, genError);

        var (exit, stdout, stderr) = install.Run("decode", capture);
        Assert.True(exit == 0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.All(lines, line => Assert.EndsWith("[valid]", line, StringComparison.Ordinal));

        // A capture rewritten through gen --pcap ... --pcap-out, also without privileges.
        string copy = Path.Combine(output, "copy.pcap");
        var (copyExit, _, copyError) = install.Run("gen", "--pcap", capture, "--rate", "max", "--pcap-out", copy);
        Assert.True(copyExit == 0, copyError);
        var (copyDecodeExit, copyDecoded, _) = install.Run("decode", copy);
        Assert.Equal(0, copyDecodeExit);
        Assert.Equal(stdout.Split('\n').Length, copyDecoded.Split('\n').Length);

        var (seedExit, seedOut, seedError) = install.Run("decode", RepoPaths.Corpus("vectors/seed-frames.pcap"));
        Assert.True(seedExit == 0, seedError);
        Assert.NotEmpty(seedOut);
    }

    [Fact]
    public void Lab_without_root_says_it_needs_root_in_one_line()
    {
        using CapabilityInstall install = CapabilityInstall.Create(CapabilityInstall.AfXdpCapabilities);
        var (exit, stdout, stderr) = install.Run("lab", "--seconds", "1");
        string line = AssertOneLineError(exit, stdout, stderr);
        Assert.Contains("needs root", line, StringComparison.Ordinal);
    }

    /// <summary>Exit 2, nothing on stdout, exactly one line on stderr that is the CLI's ("fastpath: ..."), no stack trace.</summary>
    internal static string AssertOneLineError(int exit, string stdout, string stderr)
    {
        Assert.True(exit == 2, $"exit {exit}; stdout: {stdout}; stderr: {stderr}");
        Assert.Equal("", stdout);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got {lines.Length}: {stderr}");
        Assert.StartsWith("fastpath: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        return lines[0];
    }
}
