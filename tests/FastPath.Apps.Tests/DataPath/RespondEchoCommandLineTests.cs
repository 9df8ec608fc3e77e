using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.DataPath;

/// <summary>
/// `fastpath respond` and `fastpath echo` with the Linux kernel as the peer: iputils ping, the kernel's ARP
/// resolution (the lab gives the peer no static entry here), and a kernel UDP client.
/// </summary>
public sealed class RespondEchoCommandLineTests
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Kernel_ping_gets_every_reply_and_the_kernel_learns_our_mac_by_arp(string driver)
    {
        string ping = Requirements.Tool("ping", "iputils-ping");
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var respond = new FastpathCli.Running("respond", "--iface", lab.LocalInterface, "--driver", driver,
            "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "--duration", "60s", "--json");
        Assert.True(respond.WaitForStderr("answering on", ReadyTimeout), "respond did not start");

        // Flood mode (root): the next request goes as soon as the reply is back, 1000 of them.
        CommandResult result = lab.RunInPeer(ping, "-f", "-q", "-c", "1000", "-W", "2", lab.LocalIp.ToString());
        Assert.True(result.Succeeded, result.Output + result.Error);
        Assert.Matches("1000 packets transmitted, 1000 received, 0% packet loss", result.Output);

        CommandResult neighbour = lab.RunInPeer("ip", "neigh", "show", lab.LocalIp.ToString());
        Assert.Contains(lab.LocalMac.ToString(), neighbour.Output, StringComparison.OrdinalIgnoreCase);

        respond.Signal(15);
        var (exit, stdout, stderr) = respond.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        JsonElement root = report.RootElement;
        Assert.Equal(1000, root.GetProperty("echo_replies").GetInt64());
        Assert.True(root.GetProperty("arp_replies").GetInt64() >= 1);
        Assert.Equal(0, root.GetProperty("drops").GetProperty("bad_checksum").GetInt64());
        Assert.Equal(driver, root.GetProperty("driver").GetString());
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface));
    }

    [Fact]
    public void With_two_queues_and_two_cores_each_worker_has_its_port_and_every_ping_is_answered()
    {
        string ping = Requirements.Tool("ping", "iputils-ping");
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false, RxQueues = 2, TxQueues = 2 });
        using var respond = new FastpathCli.Running("respond", "--iface", lab.LocalInterface, "--driver", "afxdp", "--cores", "0,1",
            "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "--duration", "60s", "--json");
        Assert.True(respond.WaitForStderr("answering on", ReadyTimeout), "respond did not start");

        CommandResult result = lab.RunInPeer(ping, "-f", "-q", "-c", "300", "-W", "2", lab.LocalIp.ToString());
        Assert.Matches("300 packets transmitted, 300 received, 0% packet loss", result.Output);

        respond.Signal(15);
        var (exit, stdout, stderr) = respond.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal(300, report.RootElement.GetProperty("echo_replies").GetInt64());
        JsonElement workers = report.RootElement.GetProperty("engine").GetProperty("workers");
        Assert.Equal(2, workers.GetArrayLength());
        Assert.Equal([0, 1], workers.EnumerateArray().Select(worker => worker.GetProperty("cpu").GetInt32()));
        Assert.All(workers.EnumerateArray(), worker => Assert.Equal(0, worker.GetProperty("frames_not_returned").GetInt32()));
    }

    [Fact]
    public void A_kernel_udp_client_gets_each_datagram_back_from_fastpath_echo()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var echo = new FastpathCli.Running("echo", "--iface", lab.LocalInterface, "--ip", $"{lab.LocalIp}/{lab.PrefixLength}",
            "--udp", "--duration", "60s", "--json");
        Assert.True(echo.WaitForStderr("answering on", ReadyTimeout), "echo did not start");

        using Socket client = lab.OpenPeerUdp(40007, TimeSpan.FromSeconds(5));
        var server = new IPEndPoint(IPAddress.Parse(lab.LocalIp.ToString()), 7);
        var buffer = new byte[2048];
        for (int i = 0; i < 100; i++)
        {
            byte[] payload = new byte[1 + (i * 13 % 1400)];
            new Random(i).NextBytes(payload);
            client.SendTo(payload, server);
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int length = client.ReceiveFrom(buffer, ref from);
            Assert.Equal(server, from);
            Assert.Equal(payload, buffer[..length]);
        }

        echo.Signal(15);
        var (exit, stdout, stderr) = echo.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal(100, report.RootElement.GetProperty("udp_echoed").GetInt64());
    }

    [Fact]
    public void A_second_responder_on_a_busy_interface_is_one_line_and_exit_2()
    {
        using NetLab lab = NetLab.Create();
        string address = $"{lab.LocalIp}/{lab.PrefixLength}";
        using var first = new FastpathCli.Running("respond", "--iface", lab.LocalInterface, "--driver", "afxdp", "--ip", address, "--duration", "60s");
        Assert.True(first.WaitForStderr("answering on", ReadyTimeout), "the first responder did not start");

        var (exit, stdout, stderr) = FastpathCli.Run("respond", "--iface", lab.LocalInterface, "--driver", "afxdp", "--ip", address, "--duration", "1s");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("EBUSY", stderr, StringComparison.Ordinal);
        Assert.False(first.Process.HasExited, "the first responder must keep running");
    }

    [Theory]
    [InlineData("respond", "--ip", "10.0.0.300/24")]
    [InlineData("respond", "--ip", "10.0.0.1")]
    [InlineData("echo", "--ip", "10.0.0.1/24", "--port", "0")]
    [InlineData("echo", "--ip", "10.0.0.1/24", "--tcp", "--port", "0")]
    [InlineData("echo", "--ip", "10.0.0.1/24", "--udp", "--keepalive", "1s,1s,3")]
    [InlineData("echo", "--ip", "10.0.0.1/24", "--tcp", "--keepalive", "1s")]
    public void Bad_input_is_one_line_and_exit_2(params string[] args)
    {
        var (exit, stdout, stderr) = FastpathCli.Run([.. args, "--iface", "lo", "--duration", "1s"]);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fastpath: ", stderr, StringComparison.Ordinal);
    }
}
