using FastPath.TestKit;

namespace FastPath.Apps.Tests.Fanout;

public sealed class FanoutCommandLineTests
{
    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Without_the_capabilities_a_driver_needs_the_error_is_one_line_and_exit_2(string driver)
    {
        using NetLab lab = NetLab.Create();
        var (exit, stdout, stderr) = FastpathCli.Run(FastpathCli.StartInfoVia(Requirements.Tool("setpriv", "util-linux"),
            ["--bounding-set", "-net_raw,-net_admin,-bpf,-sys_admin,-perfmon", "--"],
            "fanout", "--iface", lab.LocalInterface, "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "--driver", driver,
            "--group", "239.1.1.1:5000", "--to", $"{lab.PeerIp}:6000", "--duration", "300ms"));
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("this process lacks CAP_NET_RAW (", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_interface_is_one_line_and_exit_2()
    {
        var (exit, stdout, stderr) = FastpathCli.Run("fanout", "--iface", "fpnosuch0", "--ip", "10.0.0.1/24", "--group", "239.1.1.1:5000", "--to", "10.0.0.2:6000", "--count", "1");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("fpnosuch0", line, StringComparison.Ordinal);
    }
}
