using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FastPath.Apps.Tests.Tcp;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Faults;

/// <summary>
/// The peer lost mid-connection: a kernel host's namespace deleted (its link on the bridge first, so it sends
/// no FIN or RST) while FastPath's own link stays up. `tcp connect` ends in bounded time with one line naming
/// the failure, its counters and every frame back; `echo --tcp` finishes the other client's transfer, reaps
/// the lost connection and keeps accepting.
/// </summary>
public sealed class PeerLostTests
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Retransmissions before giving up: the RTO doubles from its 200 ms floor, so about 6 s of silence.</summary>
    private const string Retries = "4";

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Tcp_connect_whose_peer_namespace_is_deleted_mid_transfer_times_out_in_one_line_with_its_counters(string driver)
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var hosts = new VanishingHosts(lab, 1);
        VanishingHosts.Host host = hosts.Hosts[0];
        using var server = new KernelEchoServer(host.Namespace, new IPEndPoint(FaultLab.Ip(host.Address), 7007));
        using FaultProcess connect = FaultProcess.Start("tcp", "connect", host.Address.ToString(), "7007", "--iface", lab.LocalInterface, "--driver", driver,
            "--ip", FaultLab.Address(lab), "--bytes", "100GB", "--retries", Retries, "--timeout", "300s", "--json");
        // Mid-transfer: a megabyte has gone round, the window is open and segments are in flight.
        Assert.True(WaitFor(() => server.BytesEchoed > 1_000_000 || connect.Process.HasExited), "the transfer never got going");
        Assert.False(connect.Process.HasExited, "tcp connect ended before its peer vanished");

        var clock = Stopwatch.StartNew();
        hosts.Vanish(host);
        server.Dispose();
        // Bounded: --retries 4 gives up after seconds; the bound is for a loaded machine, not a timing assertion.
        var (exit, stdout, stderr) = connect.WaitForExit(TimeSpan.FromSeconds(120));
        TimeSpan ended = clock.Elapsed;
        string output = $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}";

        Assert.True(exit == 1, output);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches($@"^fastpath tcp: connection to {Regex(host.Address)}:7007: (timed out \(retransmissions exhausted\)|connection reset by peer) \(sent \d+ of 100000000000 bytes, \d+ echoed\)$", line);
        using JsonDocument report = JsonDocument.Parse(stdout);
        JsonElement root = report.RootElement;
        Assert.Contains(root.GetProperty("outcome").GetString(), (string[])["timed_out", "reset"]);
        Assert.False(root.GetProperty("complete").GetBoolean());
        Assert.True(root.GetProperty("bytes").GetInt64() > 0, output);
        Assert.True(root.GetProperty("echoed_bytes").GetInt64() > 0, output);
        Assert.True(root.GetProperty("mismatch_at").GetInt64() == -1, $"what came back before the peer vanished differs\n{output}");
        Assert.True(root.GetProperty("retransmissions").GetInt64() >= int.Parse(Retries, CultureInfo.InvariantCulture), output);
        JsonElement frames = root.GetProperty("frames");
        Assert.True(frames.GetProperty("total").GetInt64() > 0);
        Assert.Equal(frames.GetProperty("total").GetInt64(), frames.GetProperty("returned").GetInt64());
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface), "an XDP program was left on the interface");
        SignalFault.Log(string.Create(CultureInfo.InvariantCulture,
            $"tcp connect {driver}, peer namespace deleted mid-transfer: ended {ended.TotalSeconds:0.0} s later, exit {exit}, outcome {root.GetProperty("outcome").GetString()}, "
            + $"sent {root.GetProperty("bytes").GetInt64()}, echoed {root.GetProperty("echoed_bytes").GetInt64()} (verified), {root.GetProperty("retransmissions").GetInt64()} retransmissions, "
            + $"{root.GetProperty("timeouts").GetInt64()} timeouts; frames {frames.GetProperty("returned").GetInt64()}/{frames.GetProperty("total").GetInt64()} returned"));
    }

    [Theory]
    [InlineData("afxdp", true)]
    [InlineData("afpacket", true)]
    [InlineData("afxdp", false)]
    public async Task Tcp_echo_finishes_the_other_client_reaps_the_lost_one_and_keeps_accepting(string driver, bool keepalive)
    {
        const long Bytes = 20_000_000;
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var hosts = new VanishingHosts(lab, 2);
        (VanishingHosts.Host lost, VanishingHosts.Host kept) = (hosts.Hosts[0], hosts.Hosts[1]);
        // With keepalive the lost connection may be reaped either way; without, only the retransmission (or zero-window probe) give-up can.
        using FaultProcess echo = FaultProcess.Start(["echo", "--tcp", "--iface", lab.LocalInterface, "--driver", driver, "--ip", FaultLab.Address(lab),
            "--retries", Retries, .. (keepalive ? (string[])["--keepalive", "2s,1s,3"] : []), "--duration", "300s", "--json"]);
        Assert.True(echo.WaitForStderr("answering on", ReadyTimeout), "echo --tcp did not start");
        var server = new IPEndPoint(FaultLab.Ip(lab.LocalIp), 7);

        // The client that will vanish streams both ways without end.
        using Socket doomed = Connect(lost.Namespace, server);
        long doomedEchoed = 0;
        Task doomedSending = Task.Run(() => Stream(doomed, chunk => doomed.Send(chunk)), TestContext.Current.CancellationToken);
        Task doomedReading = Task.Run(() => Stream(doomed, chunk => Interlocked.Add(ref doomedEchoed, doomed.Receive(chunk))), TestContext.Current.CancellationToken);
        Assert.True(WaitFor(() => Interlocked.Read(ref doomedEchoed) > 1_000_000), "the first client's bytes never came back");

        // The other client's transfer runs while the first one's namespace goes.
        using Socket client = Connect(kept.Namespace, server);
        Task<byte[]> sending = Task.Run(() => KernelTcpPeer.SendPatternAndShutdown(client, Bytes, seed: 9), TestContext.Current.CancellationToken);
        Task<(long Bytes, byte[] Sha256)> reading = Task.Run(() => KernelTcpPeer.ReadToEnd(client), TestContext.Current.CancellationToken);
        var clock = Stopwatch.StartNew();
        hosts.Vanish(lost);
        doomed.Dispose();

        (long received, byte[] receivedHash) = await reading.WaitAsync(KernelTcpPeer.IoTimeout * 2, TestContext.Current.CancellationToken);
        byte[] sentHash = await sending.WaitAsync(KernelTcpPeer.IoTimeout, TestContext.Current.CancellationToken);
        Assert.Equal(Bytes, received);
        Assert.Equal(Convert.ToHexString(sentHash), Convert.ToHexString(receivedHash));

        // The lost connection is reaped (retransmissions or keepalive exhausted), and said so.
        Assert.True(echo.WaitForStderr($"connection from {lost.Address}:", TimeSpan.FromSeconds(120)), "the lost connection was never reaped");
        TimeSpan reaped = clock.Elapsed;

        // And the server still accepts.
        using (Socket late = Connect(kept.Namespace, server))
        {
            Task<byte[]> lateSending = Task.Run(() => KernelTcpPeer.SendPatternAndShutdown(late, 1_000_000, seed: 10), TestContext.Current.CancellationToken);
            (long lateBytes, byte[] lateHash) = KernelTcpPeer.ReadToEnd(late);
            Assert.Equal(1_000_000, lateBytes);
            Assert.Equal(Convert.ToHexString(await lateSending), Convert.ToHexString(lateHash));
        }
        await Task.WhenAll(doomedSending, doomedReading).WaitAsync(KernelTcpPeer.IoTimeout, TestContext.Current.CancellationToken);

        echo.Signal(15);
        var (exit, stdout, stderr) = echo.WaitForExit(TimeSpan.FromSeconds(30));
        string output = $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}";
        Assert.True(exit == 0, output);
        string lostLine = Assert.Single(stderr.Split('\n'), l => l.Contains(" lost: ", StringComparison.Ordinal));
        Assert.Matches($@"^fastpath echo: connection from {Regex(lost.Address)}:\d+ lost: (timed out \(retransmissions exhausted\)|keepalive timed out)$", lostLine);
        using JsonDocument report = JsonDocument.Parse(stdout);
        JsonElement root = report.RootElement;
        Assert.Equal(3, root.GetProperty("tcp_connections").GetInt64());
        JsonElement errors = root.GetProperty("tcp_errors");
        Assert.Equal(1, errors.GetProperty("timed_out").GetInt64() + errors.GetProperty("keepalive_timed_out").GetInt64());
        JsonElement frames = root.GetProperty("frames");
        Assert.True(frames.GetProperty("total").GetInt64() > 0);
        Assert.Equal(frames.GetProperty("total").GetInt64(), frames.GetProperty("returned").GetInt64());
        Assert.False(NetLab.HasXdpProgram(lab.LocalInterface), "an XDP program was left on the interface");
        SignalFault.Log(string.Create(CultureInfo.InvariantCulture,
            $"echo --tcp {driver}{(keepalive ? " --keepalive 2s,1s,3" : "")} --retries {Retries}, one of two client namespaces deleted mid-transfer: the other's {Bytes} bytes came back identical; the lost one reaped {reaped.TotalSeconds:0.0} s later "
            + $"({lostLine[(lostLine.IndexOf(" lost: ", StringComparison.Ordinal) + 7)..]}); a new client echoed 1000000 bytes identical; "
            + $"{root.GetProperty("tcp_echoed_bytes").GetInt64()} bytes echoed in all; frames {frames.GetProperty("returned").GetInt64()}/{frames.GetProperty("total").GetInt64()} returned"));
    }

    private static Socket Connect(string ns, IPEndPoint server) => Fanout.InNamespace.Run(ns, () =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            ReceiveTimeout = (int)KernelTcpPeer.IoTimeout.TotalMilliseconds,
            SendTimeout = (int)KernelTcpPeer.IoTimeout.TotalMilliseconds,
        };
        try
        {
            socket.Connect(server);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    });

    /// <summary>Runs <paramref name="step"/> on 64 KiB chunks until the socket fails or is closed (the client vanished).</summary>
    private static void Stream(Socket socket, Action<byte[]> step)
    {
        var chunk = new byte[64 * 1024];
        try
        {
            while (true) step(chunk);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Gone, as intended.
        }
    }

    private static bool WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(10);
        }
        return true;
    }

    private static string Regex(FastPath.Wire.Ipv4.Ipv4Address address) => System.Text.RegularExpressions.Regex.Escape(address.ToString());
}
