using System.CommandLine;
using FastPath.Apps.Hosting;
using FastPath.Apps.Sink;
using FastPath.Cli.Hosting;
using FastPath.Cli.Options;
using FastPath.Drivers.Linux;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.Drivers.Linux.Devices;

namespace FastPath.Cli.Commands;

/// <summary><c>fastpath sink</c>: receives and counts every frame on an interface, then prints packets and pps.</summary>
internal static class SinkCommand
{
    public static Command Create()
    {
        var port = new PortOptions();
        var promiscuous = new Option<bool>("--promisc") { Description = "Also receive frames addressed to other MACs (AF_PACKET; AF_XDP sees what the NIC delivers)" };
        var command = new Command("sink", "Receive and count frames (AF_XDP or AF_PACKET), then print packets and pps received");
        port.AddTo(command);
        command.Options.Add(promiscuous);
        command.SetAction(parse =>
        {
            string interfaceName = parse.GetRequiredValue(port.Interface);
            IReadOnlyList<int>? cores = port.ParseCores(parse);
            (long count, TimeSpan? duration) = port.ParseLimits(parse);
            NetworkDevice device = NetworkDevice.Find(interfaceName);
            int workers = cores?.Count ?? 1;
            var ports = new WorkerPorts(interfaceName, parse.GetValue(port.Driver), parse.GetValue(port.Queue), workers)
            {
                // One fanout group id per interface (the index is unique in the namespace), so two sinks on
                // different interfaces never share a group.
                FanoutGroup = AfPacketOptions.DefaultFanoutGroupFor(device.Index),
                Promiscuous = parse.GetValue(promiscuous),
                LargeReceiveRings = true,
            };
            return Run(ports, cores, count, duration, parse.GetValue(port.Json));
        });
        return command;
    }

    private static int Run(WorkerPorts ports, IReadOnlyList<int>? cores, long count, TimeSpan? duration, bool json)
    {
        var quota = count == 0 ? null : new SinkQuota(count);
        using var stop = new StopSignal();
        SinkResult[] results = PinnedWorkers.Run(cores, ports.Open, (_, port) => PacketSink.Run(port, quota, duration, stop.Token), stop.Source,
            () => ports.AnnounceReady("sink", "receiving"));

        long packets = results.Sum(r => r.Packets);
        long bytes = results.Sum(r => r.Bytes);
        var report = new RunReport("sink", ports);
        report.Add("rx_packets", packets);
        report.Add("rx_bytes", bytes);
        // The rate is over the time frames were arriving (first to last), so a sink started before its
        // sender does not understate it; elapsed_seconds is the whole run.
        report.AddRate(results.Max(r => r.Active), packets, packets == 0 ? 0 : (int)(bytes / packets));
        report.Add("elapsed_seconds", Math.Round(results.Max(r => r.Elapsed).TotalSeconds, 6));
        report.Add("rx_dropped", results.Sum(r => r.Port.RxDropped));
        report.Add("rx_invalid", results.Sum(r => r.Port.RxInvalid));
        report.Add("rx_ring_full", results.Sum(r => r.Port.RxRingFull));
        report.Add("fill_ring_empty", results.Sum(r => r.Port.FillRingEmpty));
        report.Write(json, $"received {packets} packets ({bytes} bytes)");
        return 0;
    }
}
