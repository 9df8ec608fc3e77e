using System.Text.Json;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Tcp;

/// <summary>`fastpath tcp connect` against the Linux kernel's TCP as the server, on the veth lab.</summary>
public sealed class TcpConnectInteropTests
{
    [Theory]
    [InlineData("afxdp", 100L * 1000 * 1000)]
    [InlineData("afpacket", 20L * 1000 * 1000)]
    public void Connect_to_a_kernel_echo_server_sends_the_exact_bytes_and_verifies_them_back(string driver, long bytes)
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using KernelTcpServer server = KernelTcpServer.Echo(lab, 7007);

        var (exit, stdout, stderr) = Connect(lab, driver, 7007, "--bytes", bytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        JsonElement root = report.RootElement;
        Assert.Equal(bytes, root.GetProperty("bytes").GetInt64());
        Assert.Equal(bytes, root.GetProperty("echoed_bytes").GetInt64());
        Assert.True(root.GetProperty("verified").GetBoolean());
        Assert.True(root.GetProperty("seconds").GetDouble() > 0);
        Assert.True(root.GetProperty("goodput_bps").GetDouble() > 0);
        Assert.True(root.GetProperty("rtt_us").GetDouble() > 0);
        Assert.True(root.GetProperty("retransmissions").GetInt64() >= 0);
        Assert.Equal(driver, root.GetProperty("driver").GetString());

        // What the kernel received is exactly the pattern, byte for byte, and it saw our FIN after it.
        ServedConnection served = server.Next();
        Assert.Null(served.Failure);
        Assert.True(served.SawEndOfStream);
        Assert.Equal(bytes, served.Received);
        Assert.Equal(Convert.ToHexString(KernelTcpPeer.TcpConnectPatternSha256(bytes)), Convert.ToHexString(served.Sha256));
    }

    [Fact]
    public void After_fastpath_half_closes_the_kernel_sees_eof_and_can_still_send_everything_back()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        // Reads to our FIN before it writes a single byte back.
        using KernelTcpServer server = KernelTcpServer.StoreThenEcho(lab, 7008);
        const long bytes = 3_000_000;

        var (exit, stdout, stderr) = Connect(lab, "afxdp", 7008, "--bytes", "3MB", "--json");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        ServedConnection served = server.Next();
        Assert.True(served.SawEndOfStream);
        Assert.Equal(bytes, served.Received);
        Assert.Equal(bytes, served.Sent);
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal(bytes, report.RootElement.GetProperty("echoed_bytes").GetInt64());
        Assert.True(report.RootElement.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public void Connect_to_a_closed_kernel_port_is_refused_in_one_line_and_exit_1()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });

        var (exit, stdout, stderr) = Connect(lab, "afxdp", 7009);

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Equal($"fastpath tcp: connection refused by {lab.PeerIp}:7009", stderr.Trim());
    }

    [Fact]
    public void Connect_to_an_address_where_nobody_answers_times_out_with_exit_1()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        Span<byte> octets = stackalloc byte[4];
        lab.PeerIp.CopyTo(octets);
        string nobody = $"{octets[0]}.{octets[1]}.{octets[2]}.99";

        var (exit, stdout, stderr) = FastpathCli.Run("tcp", "connect", nobody, "7", "--iface", lab.LocalInterface, "--driver", "afxdp",
            "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "--timeout", "2s");

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Contains("timed out", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_discard_server_returns_nothing_and_the_transfer_ends_at_its_fin()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var discard = KernelTcpServer.Discard(lab, 7010);

        var (exit, stdout, stderr) = Connect(lab, "afxdp", 7010, "--bytes", "5MB", "--json");

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal(5_000_000, report.RootElement.GetProperty("bytes").GetInt64());
        Assert.Equal(0, report.RootElement.GetProperty("echoed_bytes").GetInt64());
        Assert.Equal(5_000_000, discard.Next().Received);
    }

    [Theory]
    [InlineData("10.0.0.300", "7")]
    [InlineData("10.0.0.2", "0")]
    [InlineData("10.0.0.2", "7", "--bytes", "lots")]
    [InlineData("10.0.0.2", "7", "--keepalive", "1s,1s")]
    [InlineData("10.0.0.2", "7", "--timeout", "never")]
    [InlineData("192.168.1.1", "7")]
    public void Bad_input_is_one_line_and_exit_2(params string[] args)
    {
        var (exit, stdout, stderr) = FastpathCli.Run(["tcp", "connect", .. args, "--iface", "lo", "--ip", "10.0.0.1/24"]);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fastpath: ", stderr, StringComparison.Ordinal);
    }

    private static (int Exit, string Stdout, string Stderr) Connect(NetLab lab, string driver, int port, params string[] extra) =>
        FastpathCli.Run(["tcp", "connect", lab.PeerIp.ToString(), port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--iface", lab.LocalInterface, "--driver", driver, "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "--timeout", "50s", .. extra]);
}
