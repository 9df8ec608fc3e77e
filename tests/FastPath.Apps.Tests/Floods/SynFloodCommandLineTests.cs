using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using FastPath.Apps.Tests.Tcp;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Floods;

/// <summary>
/// hping3's SYN flood from random sources (the peer namespace, over the veth) against `fastpath echo --tcp`,
/// while a kernel client keeps connecting, sending, reading its bytes back and closing: the client is served
/// all through the flood (its SYNs answered by cookies once the backlog is full), and the report shows it.
/// </summary>
public sealed class SynFloodCommandLineTests(ITestOutputHelper output)
{
    private const int ClientBytes = 64 * 1024;
    private static readonly TimeSpan FloodTime = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    // The kernel retransmits a lost SYN after 1 s, 3 s, 7 s: 15 s leaves room for three losses under load.
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Kernel_clients_keep_being_echoed_through_an_hping3_syn_flood_and_the_cookies_are_counted()
    {
        string hping = Requirements.Tool("hping3", "hping3");
        string ip = Requirements.Tool("ip", "iproute2");
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var echo = new FastpathCli.Running("echo", "--iface", lab.LocalInterface, "--ip", $"{lab.LocalIp}/{lab.PrefixLength}", "--tcp",
            "--duration", "120s", "--json");
        Assert.True(echo.WaitForStderr("answering on", ReadyTimeout), "echo did not start");
        // One connection before the flood: the path works and the kernel has our MAC.
        Assert.Equal(ClientBytes, EchoOnce(lab, 0));

        var start = new ProcessStartInfo(ip) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["netns", "exec", lab.Namespace, hping, "-S", "--flood", "--rand-source", "-p", "7", lab.LocalIp.ToString()])
            start.ArgumentList.Add(argument);
        using Process flood = Process.Start(start)!;
        Task<string> floodOut = flood.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> floodErr = flood.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        int clients = 0;
        long echoed = 0;
        var watch = Stopwatch.StartNew();
        try
        {
            // Serve clients for the whole flood, one after the other; each must complete with every byte back.
            await Task.Run(() =>
            {
                while (watch.Elapsed < FloodTime)
                {
                    Assert.False(flood.HasExited, "hping3 stopped by itself");
                    echoed += EchoOnce(lab, ++clients);
                }
            }, TestContext.Current.CancellationToken);
        }
        finally
        {
            // SIGINT: hping3 prints its statistics and exits.
            using (var kill = Process.Start("kill", ["-INT", flood.Id.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
            if (!flood.WaitForExit(10_000)) flood.Kill(entireProcessTree: true);
        }
        double seconds = watch.Elapsed.TotalSeconds;
        string hpingReport = (await floodOut) + (await floodErr);
        // After the flood the listener still serves.
        Assert.Equal(ClientBytes, EchoOnce(lab, clients + 1));

        echo.Signal(15);
        var (exit, stdout, stderr) = echo.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using JsonDocument document = JsonDocument.Parse(stdout);
        JsonElement report = document.RootElement;
        JsonElement listen = report.GetProperty("tcp_listen");
        long cookies = listen.GetProperty("syn_cookies_sent").GetInt64();
        long opens = listen.GetProperty("passive_opens").GetInt64();
        long segments = listen.GetProperty("segments_received").GetInt64();
        output.WriteLine($"hping3 -S --flood --rand-source for {seconds:F1} s: {hpingReport.Trim().Replace('\n', ' ')}");
        output.WriteLine($"fastpath: rx {report.GetProperty("rx_packets").GetInt64()} frames, {segments} TCP segments ({segments / seconds:F0}/s absorbed), "
            + $"{cookies} SYN cookies sent, {listen.GetProperty("syn_cookies_accepted").GetInt64()} accepted, {opens} passive opens, "
            + $"listen overflows {listen.GetProperty("listen_overflows").GetInt64()}, drops {report.GetProperty("drops").GetRawText()}; "
            + $"{clients} kernel clients during the flood echoed {echoed} bytes (and one before, one after)");

        Assert.True(clients >= 3, $"only {clients} clients were served during the flood");
        Assert.Equal((long)clients * ClientBytes, echoed);
        Assert.Equal(clients + 2, report.GetProperty("tcp_connections").GetInt64());
        Assert.Equal((clients + 2L) * ClientBytes, report.GetProperty("tcp_echoed_bytes").GetInt64());
        // The flood filled the backlog and was answered statelessly from then on.
        Assert.True(cookies > 1000, $"only {cookies} SYN cookies: the flood did not reach the listener");
        // Past the full backlog the kernel clients' own SYNs were answered by cookies too, and their ACKs opened connections.
        Assert.True(listen.GetProperty("syn_cookies_accepted").GetInt64() > 0, "no client connected through a cookie");
        Assert.Equal(0, listen.GetProperty("listen_overflows").GetInt64());
        Assert.True(segments > 10_000, $"only {segments} segments reached TCP");
        Assert.Equal(0, report.GetProperty("drops").GetProperty("bad_checksum").GetInt64());
        Assert.Equal(0, report.GetProperty("tcp_errors").GetProperty("timed_out").GetInt64());
    }

    /// <summary>One kernel client: connect, send a pattern, half-close, read everything back; returns the bytes echoed (checked).</summary>
    private static long EchoOnce(NetLab lab, int seed)
    {
        // Made in the peer namespace, connected with a deadline: a SYN the flood crowds out must fail the test, not hang it.
        using Socket client = lab.InNamespace(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            ReceiveTimeout = (int)KernelTcpPeer.IoTimeout.TotalMilliseconds,
            SendTimeout = (int)KernelTcpPeer.IoTimeout.TotalMilliseconds,
        });
        using (var deadline = new CancellationTokenSource(ConnectTimeout))
        {
            try
            {
                client.ConnectAsync(lab.LocalEndPoint(7), deadline.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"client {seed}: no connection within {ConnectTimeout.TotalSeconds} s");
            }
        }
        byte[] sent = KernelTcpPeer.SendPatternAndShutdown(client, ClientBytes, seed);
        (long received, byte[] hash) = KernelTcpPeer.ReadToEnd(client);
        Assert.Equal(ClientBytes, received);
        Assert.Equal(Convert.ToHexString(sent), Convert.ToHexString(hash));
        return received;
    }
}
