using System.Net;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Faults;

/// <summary>
/// SIGTERM and SIGKILL at random moments (seeded; the seed is printed) to `fastpath gen`, `sink` and
/// `rfc2544`, with AF_XDP and AF_PACKET, while frames flow: each ends promptly, leaves no XDP program, and
/// after SIGTERM exits 0 with its report, every frame back in the pool.
/// </summary>
public sealed class TrafficSignalFaultTests
{
    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Gen_survives_signals_at_random_moments(string driver)
    {
        using NetLab lab = NetLab.Create();
        var target = new FaultTarget
        {
            Name = $"gen {driver}",
            Start = json => FaultLab.Start(json, "gen", "--iface", lab.LocalInterface, "--driver", driver, "--src-ip", lab.LocalIp.ToString(),
                "--dst-ip", lab.PeerIp.ToString(), "--dst-mac", lab.PeerMac.ToString(), "--duration", "120s"),
            ReadyText = "sending on",
            JsonFields = ["tx_packets", "tx_bytes", "seconds", "tx_ring_full", "streams", "driver"],
            TextSummary = @"^gen: sent \d+ packets",
            Interfaces = [(lab.LocalInterface, null)],
        };
        SignalFault.InjectAll(target, FaultLab.Moments(target.Name));
    }

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Sink_survives_signals_at_random_moments(string driver)
    {
        using NetLab lab = NetLab.Create();
        using var traffic = PeerTraffic.Udp(lab.Namespace, new IPEndPoint(FaultLab.Ip(lab.LocalIp), 9), FaultLab.Ip(lab.PeerIp));
        var target = new FaultTarget
        {
            Name = $"sink {driver}",
            Start = json => FaultLab.Start(json, "sink", "--iface", lab.LocalInterface, "--driver", driver, "--duration", "120s"),
            ReadyText = "receiving on",
            JsonFields = ["rx_packets", "rx_bytes", "rx_dropped", "fill_ring_empty", "streams", "driver"],
            TextSummary = @"^sink: received \d+ packets",
            Interfaces = [(lab.LocalInterface, null)],
        };
        SignalFault.InjectAll(target, FaultLab.Moments(target.Name));
    }

    [Theory]
    [InlineData("afxdp")]
    [InlineData("afpacket")]
    public void Rfc2544_survives_signals_at_random_moments(string driver)
    {
        using NetLab lab = NetLab.Create();
        // Both interfaces in one namespace: the local end joins the peer's, and the test runs there.
        using (var move = System.Diagnostics.Process.Start(Requirements.Tool("ip", "iproute2"), ["link", "set", lab.LocalInterface, "netns", lab.Namespace]))
        {
            Assert.True(move.WaitForExit(30_000) && move.ExitCode == 0, "could not move the local end into the lab's namespace");
        }
        Assert.True(lab.RunInPeer("ip", "link", "set", lab.LocalInterface, "up").Succeeded);
        var target = new FaultTarget
        {
            Name = $"rfc2544 {driver}",
            Start = json => FaultProcess.StartIn(lab.Namespace, FaultLab.Json(json, ["rfc2544", "--iface", lab.LocalInterface, "--peer-iface", lab.PeerInterface,
                "--driver", driver, "--sizes", "64,512", "--trial", "500ms", "--settle", "100ms"])),
            ReadyText = "Ctrl-C stops",
            JsonFields = ["results", "receiver", "trial_seconds", "driver"],
            TextSummary = @"^rfc2544: throughput from",
            Interfaces = [(lab.LocalInterface, lab.Namespace), (lab.PeerInterface, lab.Namespace)],
        };
        SignalFault.InjectAll(target, FaultLab.Moments(target.Name));
    }
}
