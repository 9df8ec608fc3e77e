using System.Net;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Faults;

/// <summary>
/// SIGTERM and SIGKILL at random moments (seeded; the seed is printed) to the commands that run FastPath's
/// IPv4 stack against kernel traffic: `respond` (iputils ping), `echo` (UDP), `fanout` (a group's
/// datagrams) and `ping`, with AF_XDP and AF_PACKET.
/// </summary>
public sealed class StackSignalFaultTests
{
    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Respond_survives_signals_at_random_moments(string driver)
    {
        using NetLab lab = NetLab.Create();
        using var traffic = PeerTraffic.Ping(lab);
        var target = new FaultTarget
        {
            Name = $"respond {driver}",
            Start = json => FaultLab.Start(json, "respond", "--iface", lab.LocalInterface, "--driver", driver, "--ip", FaultLab.Address(lab), "--duration", "120s"),
            ReadyText = "answering on",
            JsonFields = ["rx_packets", "tx_packets", "echo_replies", "arp_replies", "drops_total", "drops", "engine", "driver"],
            TextSummary = @"^respond: \d+ echo replies",
            Interfaces = [(lab.LocalInterface, null)],
        };
        SignalFault.InjectAll(target, FaultLab.Moments(target.Name));
    }

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Udp_echo_survives_signals_at_random_moments(string driver)
    {
        using NetLab lab = NetLab.Create();
        using var traffic = PeerTraffic.Udp(lab.Namespace, new IPEndPoint(FaultLab.Ip(lab.LocalIp), 7), FaultLab.Ip(lab.PeerIp));
        var target = new FaultTarget
        {
            Name = $"echo {driver}",
            Start = json => FaultLab.Start(json, "echo", "--iface", lab.LocalInterface, "--driver", driver, "--ip", FaultLab.Address(lab), "--duration", "120s"),
            ReadyText = "answering on",
            JsonFields = ["rx_packets", "tx_packets", "udp_received", "udp_echoed", "drops", "engine", "driver"],
            TextSummary = @"^echo: \d+ UDP datagrams echoed",
            Interfaces = [(lab.LocalInterface, null)],
        };
        SignalFault.InjectAll(target, FaultLab.Moments(target.Name));
    }

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Fanout_survives_signals_at_random_moments(string driver)
    {
        using NetLab lab = NetLab.Create();
        using var traffic = PeerTraffic.Udp(lab.Namespace, new IPEndPoint(IPAddress.Parse("239.7.7.7"), 5000), FaultLab.Ip(lab.PeerIp));
        var target = new FaultTarget
        {
            Name = $"fanout {driver}",
            Start = json => FaultLab.Start(json, "fanout", "--iface", lab.LocalInterface, "--driver", driver, "--ip", FaultLab.Address(lab),
                "--group", "239.7.7.7:5000", "--to", $"{lab.PeerIp}:6000", "--duration", "120s"),
            ReadyText = "fanning out",
            JsonFields = ["received", "sent", "dropped", "groups", "stack", "engine", "driver"],
            TextSummary = @"^stack: \d+ frames received",
            Interfaces = [(lab.LocalInterface, null)],
        };
        SignalFault.InjectAll(target, FaultLab.Moments(target.Name));
    }

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Ping_survives_signals_at_random_moments(string driver)
    {
        using NetLab lab = NetLab.Create();
        var target = new FaultTarget
        {
            Name = $"ping {driver}",
            Start = json => FaultLab.Start(json, "ping", lab.PeerIp.ToString(), "--iface", lab.LocalInterface, "--driver", driver, "--ip", FaultLab.Address(lab), "-i", "0.01"),
            ReadyText = "pinging on",
            JsonFields = ["transmitted", "received", "loss_percent", "rtt_us", "driver"],
            TextSummary = @"^--- \S+ ping statistics ---$",
            TermExit = SignalFault.PingExit,
            Interfaces = [(lab.LocalInterface, null)],
        };
        SignalFault.InjectAll(target, FaultLab.Moments(target.Name));
    }
}
