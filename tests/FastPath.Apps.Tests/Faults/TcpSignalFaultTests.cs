using System.Net;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Faults;

/// <summary>
/// SIGTERM and SIGKILL at random moments (seeded; the seed is printed) to FastPath's TCP: `echo --tcp`
/// serving kernel clients that stream, and `tcp connect` streaming to a kernel echo server.
/// </summary>
public sealed class TcpSignalFaultTests
{
    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Tcp_echo_survives_signals_at_random_moments(string driver)
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var traffic = PeerTraffic.TcpClients(lab.Namespace, new IPEndPoint(FaultLab.Ip(lab.LocalIp), 7), clients: 2);
        var target = new FaultTarget
        {
            Name = $"echo --tcp {driver}",
            Start = json => FaultLab.Start(json, "echo", "--tcp", "--iface", lab.LocalInterface, "--driver", driver, "--ip", FaultLab.Address(lab), "--duration", "120s"),
            ReadyText = "answering on",
            JsonFields = ["rx_packets", "tx_packets", "tcp_connections", "tcp_echoed_bytes", "tcp_errors", "drops", "engine", "driver"],
            TextSummary = @"^echo: \d+ TCP connections, \d+ bytes echoed",
            Interfaces = [(lab.LocalInterface, null)],
        };
        SignalFault.InjectAll(target, FaultLab.Moments(target.Name));
    }

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Tcp_connect_survives_signals_at_random_moments(string driver)
    {
        using NetLab lab = NetLab.Create(new NetLabOptions { StaticNeighbour = false });
        using var server = new KernelEchoServer(lab.Namespace, new IPEndPoint(FaultLab.Ip(lab.PeerIp), 7007));
        var target = new FaultTarget
        {
            Name = $"tcp connect {driver}",
            Start = json => FaultLab.Start(json, "tcp", "connect", lab.PeerIp.ToString(), "7007", "--iface", lab.LocalInterface, "--driver", driver,
                "--ip", FaultLab.Address(lab), "--bytes", "10GB", "--timeout", "120s"),
            // A one-shot client prints no ready line: it is mid-transfer once the kernel server has echoed bytes.
            ReadyText = null,
            Progress = () => server.BytesEchoed,
            JsonFields = ["bytes", "echoed_bytes", "verified", "complete", "outcome", "retransmissions", "rtt_us", "driver"],
            TextSummary = @"^fastpath tcp: interrupted \(",
            TermExit = (_, _) => TcpTransferFailed,
            Interfaces = [(lab.LocalInterface, null)],
        };
        SignalFault.InjectAll(target, FaultLab.Moments(target.Name));
    }

    /// <summary>`tcp connect`'s status for a transfer that did not complete, an interrupted one included.</summary>
    private const int TcpTransferFailed = 1;
}
