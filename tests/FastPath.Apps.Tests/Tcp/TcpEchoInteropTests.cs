using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Tcp;

/// <summary>
/// `fastpath echo --tcp` with the Linux kernel as the client, on the veth lab: bulk both ways, half-close,
/// a refused connect, and keepalive against a host that vanished.
/// </summary>
public sealed class TcpEchoInteropTests
{
    private const long HundredMegabytes = 100L * 1000 * 1000;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public async Task A_kernel_client_gets_100_MB_back_identical_while_sending_them(string driver)
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using FastpathCli.Running echo = StartEcho(lab, driver);

        using Socket client = KernelTcpPeer.Connect(lab, lab.LocalEndPoint(7));
        // Sending and reading at once: the echo's back-pressure must neither lose bytes nor deadlock.
        Task<byte[]> sending = Task.Run(() => KernelTcpPeer.SendPatternAndShutdown(client, HundredMegabytes, seed: 1), TestContext.Current.CancellationToken);
        (long received, byte[] receivedHash) = await Task.Run(() => KernelTcpPeer.ReadToEnd(client), TestContext.Current.CancellationToken);
        byte[] sent = await sending.WaitAsync(KernelTcpPeer.IoTimeout, TestContext.Current.CancellationToken);

        Assert.Equal(HundredMegabytes, received);
        Assert.Equal(Convert.ToHexString(sent), Convert.ToHexString(receivedHash));

        JsonElement report = Stop(echo);
        Assert.Equal(1, report.GetProperty("tcp_connections").GetInt64());
        Assert.Equal(HundredMegabytes, report.GetProperty("tcp_echoed_bytes").GetInt64());
        Assert.Equal(0, report.GetProperty("drops").GetProperty("bad_checksum").GetInt64());
        Assert.Equal(driver, report.GetProperty("driver").GetString());
    }

    [Fact]
    public async Task With_two_workers_on_two_queues_every_connection_is_echoed()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false, RxQueues = 2, TxQueues = 2 });
        using FastpathCli.Running echo = StartEcho(lab, "afxdp", "--cores", "0,1");
        const int connections = 16;
        const long bytes = 2_000_000;

        Task[] clients = [.. Enumerable.Range(0, connections).Select(i => Task.Run(() =>
        {
            using Socket client = KernelTcpPeer.Connect(lab, lab.LocalEndPoint(7));
            Task<byte[]> sending = Task.Run(() => KernelTcpPeer.SendPatternAndShutdown(client, bytes, seed: 100 + i));
            (long received, byte[] hash) = KernelTcpPeer.ReadToEnd(client);
            Assert.Equal(bytes, received);
            Assert.Equal(Convert.ToHexString(sending.GetAwaiter().GetResult()), Convert.ToHexString(hash));
        }, TestContext.Current.CancellationToken))];
        await Task.WhenAll(clients).WaitAsync(KernelTcpPeer.IoTimeout * 4, TestContext.Current.CancellationToken);

        JsonElement report = Stop(echo);
        Assert.Equal(connections, report.GetProperty("tcp_connections").GetInt64());
        Assert.Equal(connections * bytes, report.GetProperty("tcp_echoed_bytes").GetInt64());
        // Which worker serves a connection is the kernel's choice of TX queue on its veth end (the veth delivers
        // on the same-numbered queue); in the runs seen it put every connection on one queue, so this shows
        // two workers coexisting on the port (each its own listener), not a spread.
        Assert.Equal(2, report.GetProperty("engine").GetProperty("workers").GetArrayLength());
    }

    [Fact]
    public void A_kernel_client_that_half_closes_first_still_reads_every_echoed_byte_then_eof()
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using FastpathCli.Running echo = StartEcho(lab, "afxdp");

        using Socket client = KernelTcpPeer.Connect(lab, lab.LocalEndPoint(7));
        // Small enough to sit in the buffers on the way while nothing is read back yet.
        const long bytes = 100_000;
        byte[] sent = KernelTcpPeer.SendPatternAndShutdown(client, bytes, seed: 2);
        (long received, byte[] receivedHash) = KernelTcpPeer.ReadToEnd(client);

        Assert.Equal(bytes, received);
        Assert.Equal(Convert.ToHexString(sent), Convert.ToHexString(receivedHash));
        // EOF came as a FIN, not a reset: a second read still says 0 rather than failing.
        Assert.Equal(0, client.Receive(new byte[16]));

        JsonElement report = Stop(echo);
        Assert.Equal(bytes, report.GetProperty("tcp_echoed_bytes").GetInt64());
        Assert.Equal(0, report.GetProperty("tcp_errors").GetProperty("reset").GetInt64());
    }

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void A_kernel_connect_to_a_port_fastpath_does_not_serve_is_refused(string driver)
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using FastpathCli.Running echo = StartEcho(lab, driver);

        SocketException refused = Assert.Throws<SocketException>(() => KernelTcpPeer.Connect(lab, lab.LocalEndPoint(8)).Dispose());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        // The served port still works after the RST to the other.
        using Socket client = KernelTcpPeer.Connect(lab, lab.LocalEndPoint(7));
        byte[] sent = KernelTcpPeer.SendPatternAndShutdown(client, 1000, seed: 3);
        Assert.Equal(Convert.ToHexString(sent), Convert.ToHexString(KernelTcpPeer.ReadToEnd(client).Sha256));
        Stop(echo);
    }

    [Fact]
    public void Keepalive_notices_a_kernel_peer_that_vanished_within_the_configured_time()
    {
        string nc = Requirements.Tool("nc", "netcat-openbsd");
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var host = new BridgedKernelHost(lab);
        // Idle 1 s, then 3 probes 1 s apart: a dead peer is declared after about 4 s of silence.
        using FastpathCli.Running echo = StartEcho(lab, "afxdp", "--keepalive", "1s,1s,3");

        Process client = host.Start(nc, lab.LocalIp.ToString(), "7");
        client.StandardInput.WriteLine("hello");
        client.StandardInput.Flush();
        Assert.Equal("hello", ReadLine(client));

        // Idle for longer than the whole probe budget: a live peer answers the probes, so nothing ends.
        Thread.Sleep(TimeSpan.FromSeconds(6));
        client.StandardInput.WriteLine("still here");
        client.StandardInput.Flush();
        Assert.Equal("still here", ReadLine(client));

        var stopwatch = Stopwatch.StartNew();
        host.Vanish();
        // The configured time is 4 s after the last segment; the bound leaves room for a loaded machine.
        Assert.True(echo.WaitForStderr("lost: keepalive timed out", TimeSpan.FromSeconds(20)),
            $"no keepalive timeout reported {stopwatch.Elapsed} after the peer vanished");

        JsonElement report = Stop(echo);
        Assert.Equal(1, report.GetProperty("tcp_errors").GetProperty("keepalive_timed_out").GetInt64());
        Assert.Equal(1, report.GetProperty("tcp_connections").GetInt64());
    }

    private static FastpathCli.Running StartEcho(NetLab lab, string driver, params string[] extra)
    {
        var echo = new FastpathCli.Running(["echo", "--tcp", "--iface", lab.LocalInterface, "--driver", driver,
            "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "--duration", "300s", "--json", .. extra]);
        Assert.True(echo.WaitForStderr("answering on", ReadyTimeout), "echo --tcp did not start");
        return echo;
    }

    private static JsonElement Stop(FastpathCli.Running echo)
    {
        echo.Signal(15);
        var (exit, stdout, stderr) = echo.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        return report.RootElement.Clone();
    }

    private static string? ReadLine(Process process)
    {
        Task<string?> line = process.StandardOutput.ReadLineAsync();
        Assert.True(line.Wait(KernelTcpPeer.IoTimeout), "no echo within the time");
        return line.Result;
    }
}
