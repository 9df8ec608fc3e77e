using System.CommandLine;
using FastPath.Apps.Generator;
using FastPath.Apps.Hosting;
using FastPath.Apps.Plots;
using FastPath.Apps.Sink;
using FastPath.Cli.Hosting;
using FastPath.Cli.Options;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.Drivers.Linux.Devices;

using FastPath.Engine.Runtime;
using FastPath.Engine.Telemetry;

namespace FastPath.Cli.Commands;

/// <summary>
/// <c>fastpath sink</c>: receives and counts every frame on an interface; frames with a generator's signature
/// are counted per stream (loss, reordering, duplicates, one-way latency). Prints packets, pps and a table.
/// </summary>
internal static class SinkCommand
{
    public static Command Create()
    {
        var port = new PortOptions();
        var promiscuous = new Option<bool>("--promisc") { Description = "Also receive frames addressed to other MACs (AF_PACKET; AF_XDP sees what the NIC delivers)" };
        var noSignature = new Option<bool>("--no-signature") { Description = "Count frames only; do not look for the generator's signatures" };
        var command = new Command("sink", "Receive and count frames (AF_XDP or AF_PACKET); per stream: loss, reordering, duplicates, one-way latency");
        port.AddTo(command);
        port.AddProgressTo(command);
        port.AddStatsTo(command);
        command.Options.Add(promiscuous);
        command.Options.Add(noSignature);
        command.SetAction(parse =>
        {
            string interfaceName = parse.GetRequiredValue(port.Interface)!;
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
            var settings = new SinkSettings
            {
                Quota = count == 0 ? null : new SinkQuota(count),
                Duration = duration,
                Signatures = !parse.GetValue(noSignature),
                // Pinned workers have their cores to themselves: they poll without yielding, so latency is
                // the path's and not the scheduler's.
                YieldWhenIdle = cores is null,
            };
            return Run(ports, cores, settings, parse.GetValue(port.Json), port.WantsProgress(parse), parse.GetValue(port.Plot), parse.GetValue(port.StatsJson));
        });
        return command;
    }

    private static int Run(WorkerPorts ports, IReadOnlyList<int>? cores, SinkSettings settings, bool json, bool showProgress, string? plotFile, string? statsFile)
    {
        int workers = cores?.Count ?? 1;
        var counters = Enumerable.Range(0, workers).Select(_ => new LiveCounters()).ToArray();
        using var progress = new ProgressReporter("sink", counters, showProgress, showTx: false, showRx: true);
        using var stop = new TerminationSignals();
        using ProcessStatsReporter? stats = ProcessStatsReporter.Create("sink", statsFile, ports, progress.WriteCounters);
        SinkResult[] results = PinnedWorkers.Run(cores, ports.Open,
            (worker, port) => PacketSink.Run(port, settings with { Counters = counters[worker] }, stop.Token), stop.Trigger,
            () =>
            {
                ports.AnnounceReady("sink", "receiving");
                if (showProgress || plotFile != null) progress.Start();
                stats?.Start();
            });
        progress.Stop();
        stats?.Stop();

        long packets = results.Sum(r => r.Packets);
        long bytes = results.Sum(r => r.Bytes);
        var report = new RunReport("sink", ports);
        report.Add("rx_packets", packets);
        report.Add("rx_bytes", bytes);
        // The rate is over the time frames were arriving (first to last), so a sink started before its
        // sender does not understate it; elapsed_seconds is the whole run.
        report.AddRate(results.Max(r => r.Active), packets, bytes);
        report.Add("elapsed_seconds", Math.Round(results.Max(r => r.Elapsed).TotalSeconds, 6));
        report.Add("rx_dropped", results.Sum(r => r.Port.RxDropped));
        report.Add("rx_invalid", results.Sum(r => r.Port.RxInvalid));
        report.Add("rx_ring_full", results.Sum(r => r.Port.RxRingFull));
        report.Add("fill_ring_empty", results.Sum(r => r.Port.FillRingEmpty));

        LatencyHistogram? latency = null;
        string summary = $"received {packets} packets ({bytes} bytes)";
        if (settings.Signatures)
        {
            IReadOnlyList<StreamReport> streams = StreamReport.Merge(results.Select(r => r.Signatures!), out latency);
            long signed = results.Sum(r => r.Signatures!.Signed);
            report.Add("signed_packets", signed);
            var table = new List<RunReport.Fields>();
            if (streams.Count > 0) report.AddTableRow(["stream", "rx_packets", "lost", "reordered", "duplicates", "p50_us", "p90_us", "p99_us", "p999_us", "max_us"]);
            foreach (StreamReport stream in streams)
            {
                var fields = new RunReport.Fields();
                fields.Add("id", stream.Id);
                GenCommand.AddReceived(fields, stream, "latency_us");
                table.Add(fields);
                string[] cells = GenCommand.ReceivedCells(stream);
                report.AddTableRow([stream.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), .. cells[..4],
                    Micro(stream.Latency.P50), Micro(stream.Latency.P90), Micro(stream.Latency.P99), Micro(stream.Latency.P999), Micro(stream.Latency.Max)]);
            }
            report.Add("streams", table);
            long lost = streams.Sum(s => s.Lost);
            summary += $", {signed} signed in {streams.Count} streams, {lost} lost";
        }
        report.AddFrames(ports.Frames);
        report.Write(json, summary);
        if (plotFile != null) MeasurementPlot.Write(plotFile, $"fastpath sink on {ports.First?.Name}", progress.Samples, latency, "one-way latency");
        return 0;
    }

    private static string Micro(long nanoseconds) => (nanoseconds / 1000.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
