using System.CommandLine;
using System.Globalization;
using FastPath.Apps.Generator;
using FastPath.Apps.Hosting;
using FastPath.Apps.Plots;
using FastPath.Apps.Sink;
using FastPath.Cli.Hosting;
using FastPath.Cli.Options;
using FastPath.Drivers.Linux;
using FastPath.Drivers.Linux.Devices;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Wire.Ethernet;

using FastPath.Engine.Runtime;
using FastPath.Engine.Telemetry;

namespace FastPath.Cli.Commands;

/// <summary>
/// <c>fastpath gen</c>: sends streams of frames (UDP, TCP SYN, ICMP echo, raw IPv4) at a rate or as fast as the
/// driver takes them, or replays a capture; writes to an interface or to a pcap file; measures the round trip
/// of frames that come back. Prints what left.
/// </summary>
internal static class GenCommand
{
    /// <summary>The source MAC of frames written to a file (no interface to take one from): locally administered.</summary>
    private static readonly MacAddress FileSourceMac = MacAddress.Parse("02:00:00:00:00:01");
    private const int FileMtu = 1500;
    private const int FileFrames = 4096;

    public static Command Create()
    {
        var port = new PortOptions(interfaceRequired: false);
        var streams = new StreamOptions();
        var pcapOut = new Option<string?>("--pcap-out") { Description = "Write the frames to this pcap file instead of sending them (no root needed; no --iface)" };
        var pcap = new Option<string?>("--pcap") { Description = "Replay this capture byte for byte: at its own timing, at --rate, or with --rate max as fast as possible" };
        var loop = new Option<int>("--loop") { Description = "Passes over the --pcap capture (0: until --count, --duration or Ctrl-C)", DefaultValueFactory = _ => 1 };
        var measure = new Option<bool>("--measure")
        {
            Description = "Also receive on the port: frames that come back with their signature (through a reflector, e.g. an ICMP echo responder) give the round-trip latency",
        };

        var command = new Command("gen", "Send streams of frames (or replay a capture) at a rate or as fast as the interface takes them; print what was sent");
        port.AddTo(command);
        port.AddProgressTo(command);
        port.AddStatsTo(command);
        streams.AddTo(command);
        command.Options.Add(pcapOut);
        command.Options.Add(pcap);
        command.Options.Add(loop);
        command.Options.Add(measure);
        command.SetAction(parse =>
        {
            string? interfaceName = parse.GetValue(port.Interface);
            string? outputFile = parse.GetValue(pcapOut);
            if ((interfaceName is null) == (outputFile is null))
                throw new CommandLineException("give --iface IF to send, or --pcap-out FILE to write the frames to a capture (one of them)");
            string? replayFile = parse.GetValue(pcap);
            int loops = parse.GetValue(loop);
            if (loops < 0) throw new CommandLineException($"--loop: {loops} is negative");
            (long count, TimeSpan? duration) = port.ParseLimits(parse, boundedOtherwise: replayFile != null && loops > 0);
            IReadOnlyList<int>? cores = port.ParseCores(parse);
            bool measuring = parse.GetValue(measure);
            if (outputFile != null && cores is { Count: > 1 }) throw new CommandLineException("--pcap-out writes from one worker: leave out --cores or give one CPU");
            if (replayFile != null && cores is { Count: > 1 }) throw new CommandLineException("--pcap replays from one worker: leave out --cores or give one CPU");
            // The lines sample the ports' pools and counters; a capture file has none, and the option was silently ignored.
            if (outputFile != null && parse.GetResult(port.StatsJson) is not null) throw new CommandLineException("--stats-json samples the ports of a run on an interface (not --pcap-out)");
            if (measuring && (outputFile != null || replayFile != null)) throw new CommandLineException("--measure needs generated streams sent on an interface (not --pcap or --pcap-out)");

            NetworkDevice? device = interfaceName is null ? null : NetworkDevice.Find(interfaceName);
            int mtu = device?.Mtu ?? FileMtu;
            var run = new GenRun
            {
                InterfaceName = interfaceName,
                Driver = parse.GetValue(port.Driver),
                Queue = parse.GetValue(port.Queue),
                Cores = cores,
                OutputFile = outputFile,
                Count = count,
                Duration = duration,
                Json = parse.GetValue(port.Json),
                Progress = port.WantsProgress(parse),
                PlotFile = parse.GetValue(port.Plot),
                Measure = measuring,
                StatsFile = parse.GetValue(port.StatsJson),
            };
            if (replayFile != null)
            {
                CapturedFrames capture = CapturedFrames.Load(replayFile, FrameRegion.DefaultFrameSize - FramePool.DefaultHeadroom);
                if (device != null && capture.LargestFrame > mtu + 18)
                    throw new CommandLineException($"--pcap: a frame of {capture.LargestFrame} bytes does not fit {interfaceName} (MTU {mtu} + 18)");
                var settings = new ReplaySettings
                {
                    Count = count,
                    Duration = duration,
                    Loops = loops,
                    RecordedTiming = parse.GetValue(streams.Rate) is null,
                    Rate = parse.GetValue(streams.Rate) is { } rate ? ValueParsers.Rate(rate, "--rate") : TransmitRate.Max,
                };
                return Replay(run, capture, settings);
            }
            IReadOnlyList<StreamSpec> specs = streams.Build(parse, device?.Mac ?? FileSourceMac, mtu);
            return Generate(run, specs);
        });
        return command;
    }

    private static int Generate(GenRun run, IReadOnlyList<StreamSpec> streams)
    {
        int workers = run.Cores?.Count ?? 1;
        var counters = Enumerable.Range(0, workers).Select(_ => new LiveCounters()).ToArray();
        using var progress = new ProgressReporter("gen", counters, run.Progress, showTx: true, showRx: run.Measure);
        using var stop = new TerminationSignals();
        GeneratorResult Body(int worker, IPacketPort port) => TrafficGenerator.Run(port, streams, new GeneratorSettings
        {
            Count = ShareOf(run.Count, worker, workers),
            Duration = run.Duration,
            Worker = worker,
            Workers = workers,
            Measure = run.Measure,
            Counters = counters[worker],
        }, stop.Token);

        (GeneratorResult[] results, RunReport report) = Execute(run, progress, stop, Body);
        long packets = results.Sum(r => r.Packets), bytes = results.Sum(r => r.Bytes);
        report.Add("tx_packets", packets);
        report.Add("tx_bytes", bytes);
        report.AddRate(results.Max(r => r.Elapsed), packets, bytes);
        report.Add("frame_size", streams.Count == 1 && streams[0].Sizes.IsFixed ? streams[0].Sizes.Smallest : packets == 0 ? 0 : (long)Math.Round((double)bytes / packets));
        report.Add("tx_ring_full", results.Sum(r => r.Port.TxRingFull));
        report.Add("tx_invalid", results.Sum(r => r.Port.TxInvalid));
        report.Add("tx_dropped", results.Sum(r => r.Port.TxDropped));

        IReadOnlyList<StreamReport> returns = [];
        LatencyHistogram? roundTrips = null;
        if (run.Measure)
        {
            returns = StreamReport.Merge(results.Select(r => r.Returns!), out roundTrips);
            report.Add("rx_packets", results.Sum(r => r.ReturnedPackets));
            report.Add("rtt_us", RunReport.Latency(StreamReport.Summarize(roundTrips)));
        }
        var table = new List<RunReport.Fields>();
        if (streams.Count > 1 || run.Measure) report.AddTableRow(StreamHeader(run.Measure));
        foreach (StreamSpec stream in streams)
        {
            long streamPackets = results.Sum(r => r.Streams.Where(s => s.Id == stream.Id).Sum(s => s.Packets));
            long streamBytes = results.Sum(r => r.Streams.Where(s => s.Id == stream.Id).Sum(s => s.Bytes));
            var fields = new RunReport.Fields();
            fields.Add("id", stream.Id);
            fields.Add("tx_packets", streamPackets);
            fields.Add("tx_bytes", streamBytes);
            var row = new List<string> { Text(stream.Id), Text(streamPackets), Text(streamBytes) };
            if (run.Measure)
            {
                StreamReport? back = returns.FirstOrDefault(r => r.Id == stream.Id);
                AddReceived(fields, back, "rtt_us");
                row.AddRange(ReceivedCells(back));
            }
            table.Add(fields);
            if (streams.Count > 1 || run.Measure) report.AddTableRow([.. row]);
        }
        report.Add("streams", table);
        string summary = $"sent {packets} packets ({bytes} bytes)";
        if (run.Measure) summary += $", {results.Sum(r => r.ReturnedPackets)} came back";
        report.Write(run.Json, summary);
        if (run.PlotFile != null)
            MeasurementPlot.Write(run.PlotFile, $"fastpath gen on {run.InterfaceName ?? run.OutputFile}", progress.Samples, roundTrips, "round trip");
        return 0;
    }

    private static int Replay(GenRun run, CapturedFrames capture, ReplaySettings settings)
    {
        var counters = new[] { new LiveCounters() };
        using var progress = new ProgressReporter("gen", counters, run.Progress, showTx: true, showRx: false);
        using var stop = new TerminationSignals();
        (GeneratorResult[] results, RunReport report) = Execute(run, progress, stop,
            (_, port) => PcapReplayer.Run(port, capture, settings with { Counters = counters[0] }, stop.Token));
        GeneratorResult result = results[0];
        report.Add("tx_packets", result.Packets);
        report.Add("tx_bytes", result.Bytes);
        report.AddRate(result.Elapsed, result.Packets, result.Bytes);
        report.Add("capture_frames", capture.Count);
        report.Add("capture_cut_frames", capture.CutRecords);
        report.Add("tx_ring_full", result.Port.TxRingFull);
        report.Add("tx_invalid", result.Port.TxInvalid);
        report.Add("tx_dropped", result.Port.TxDropped);
        report.Write(run.Json, $"replayed {result.Packets} packets ({result.Bytes} bytes) of {capture.Count} in the capture");
        if (run.PlotFile != null) MeasurementPlot.Write(run.PlotFile, $"fastpath gen --pcap on {run.InterfaceName ?? run.OutputFile}", progress.Samples, null, "");
        return 0;
    }

    /// <summary>Runs the body on pinned workers with their ports, or on this thread with a pcap writer port.</summary>
    private static (GeneratorResult[] Results, RunReport Report) Execute(GenRun run, ProgressReporter progress, TerminationSignals stop, Func<int, IPacketPort, GeneratorResult> body)
    {
        bool sample = run.Progress || run.PlotFile != null;
        RunReport report;
        if (run.OutputFile is { } file)
        {
            var frames = new FrameLedger();
            GeneratorResult result;
            using (PcapWriterPort writer = PcapWriterPort.Create(file, FileFrames))
            {
                frames.Record(writer);
                if (sample) progress.Start();
                result = body(0, writer);
            }
            progress.Stop();
            report = new RunReport("gen", "pcap", "writer", $"to {file}");
            report.AddFrames(frames);
            return ([result], report);
        }
        var ports = new WorkerPorts(run.InterfaceName!, run.Driver, run.Queue, run.Cores?.Count ?? 1);
        using ProcessStatsReporter? stats = ProcessStatsReporter.Create("gen", run.StatsFile, ports, progress.WriteCounters);
        GeneratorResult[] results = PinnedWorkers.Run(run.Cores, ports.Open, body, stop.Trigger, () =>
        {
            ports.AnnounceReady("gen", "sending");
            if (sample) progress.Start();
            stats?.Start();
        });
        progress.Stop();
        stats?.Stop();
        // Every worker has closed its port by now (PinnedWorkers disposes them on their threads).
        report = new RunReport("gen", ports);
        report.AddFrames(ports.Frames);
        return (results, report);
    }

    internal static string[] StreamHeader(bool received) => received
        ? ["stream", "tx_packets", "tx_bytes", "rx_packets", "lost", "reordered", "duplicates", "p50_us", "p99_us", "max_us"]
        : ["stream", "tx_packets", "tx_bytes"];

    /// <summary>The receive side of one stream as JSON: rx_packets, lost, reordered, duplicates and the latency object.</summary>
    internal static void AddReceived(RunReport.Fields fields, StreamReport? stream, string latencyName)
    {
        fields.Add("rx_packets", stream?.RxPackets ?? 0);
        fields.Add("lost", stream?.Lost ?? 0);
        fields.Add("reordered", stream?.Reordered ?? 0);
        fields.Add("duplicates", stream?.Duplicates ?? 0);
        fields.Add(latencyName, RunReport.Latency(stream?.Latency ?? default));
    }

    internal static string[] ReceivedCells(StreamReport? stream) =>
    [
        Text(stream?.RxPackets ?? 0), Text(stream?.Lost ?? 0), Text(stream?.Reordered ?? 0), Text(stream?.Duplicates ?? 0),
        Micro(stream?.Latency.P50 ?? 0), Micro(stream?.Latency.P99 ?? 0), Micro(stream?.Latency.Max ?? 0),
    ];

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Micro(long nanoseconds) => (nanoseconds / 1000.0).ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>Worker <paramref name="worker"/>'s part of <paramref name="count"/>: equal shares, the remainder to the first workers; 0 stays unlimited.</summary>
    internal static long ShareOf(long count, int worker, int workers) =>
        count == 0 ? 0 : (count / workers) + (worker < count % workers ? 1 : 0);

    private sealed record GenRun
    {
        public string? InterfaceName { get; init; }
        public PortDriver Driver { get; init; }
        public int Queue { get; init; }
        public IReadOnlyList<int>? Cores { get; init; }
        public string? OutputFile { get; init; }
        public long Count { get; init; }
        public TimeSpan? Duration { get; init; }
        public bool Json { get; init; }
        public bool Progress { get; init; }
        public string? PlotFile { get; init; }
        public bool Measure { get; init; }
        public string? StatsFile { get; init; }
    }
}
