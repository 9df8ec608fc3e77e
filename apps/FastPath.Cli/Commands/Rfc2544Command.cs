using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FastPath.Apps.Generator;
using FastPath.Apps.Hosting;
using FastPath.Apps.Sink;
using FastPath.Cli.Hosting;
using FastPath.Cli.Options;
using FastPath.Drivers.Linux;
using FastPath.Drivers.Linux.Devices;
using FastPath.Engine.Ports;
using FastPath.Engine.Threading;
using FastPath.Wire.Ipv4;

using FastPath.Engine.Runtime;
namespace FastPath.Cli.Commands;

/// <summary>
/// <c>fastpath rfc2544</c>: the RFC 2544 throughput test (section 26.1) between two interfaces of this host, one
/// sending and one receiving, with the device under test between them: for each frame size, a binary search
/// for the highest rate at which no frame is lost, and the latency at that rate (from the signatures of the
/// frames of the last passing trial, on the host's clock). Each trial is its own stream id, so late frames of
/// one trial never count in the next.
/// </summary>
internal static class Rfc2544Command
{
    /// <summary>RFC 2544 section 9.1: the frame sizes to test on Ethernet, on the wire (FCS included).</summary>
    private static readonly int[] StandardSizes = [64, 128, 256, 512, 1024, 1280, 1518];

    public static Command Create()
    {
        var send = new Option<string>("--iface", "-I") { Description = "Interface that sends (towards the device under test)", Required = true };
        var receive = new Option<string>("--peer-iface") { Description = "Interface that receives (from the device under test)", Required = true };
        var port = new PortOptions();
        var sizes = new Option<string?>("--sizes") { Description = "Frame sizes on the wire, FCS included (default: RFC 2544's 64,128,256,512,1024,1280,1518)" };
        var trial = new Option<string?>("--trial") { Description = "Length of each trial (default 2s; RFC 2544 asks for at least 60s)" };
        var settle = new Option<string?>("--settle") { Description = "Wait after a trial before counting (default 500ms; RFC 2544 says 2s)" };
        var resolution = new Option<double>("--resolution") { Description = "Stop when the pass/fail interval is narrower than this percentage of the sender's maximum rate (default 1)", DefaultValueFactory = _ => 1.0 };
        var maxTrials = new Option<int>("--max-trials") { Description = "Trials per frame size at most (default 16)", DefaultValueFactory = _ => 16 };
        var tolerance = new Option<double>("--loss-tolerance") { Description = "Loss in percent still counted as a pass (default 0, as the RFC defines throughput)" };
        var sourceIp = new Option<string?>("--src-ip") { Description = "Source address (default 198.18.0.1: RFC 2544 appendix C's test network)" };
        var destinationIp = new Option<string?>("--dst-ip") { Description = "Destination address (default 198.19.0.1)" };
        var destinationMac = new Option<string?>("--dst-mac") { Description = "Destination MAC (default: the receiving interface's)" };

        var command = new Command("rfc2544", "RFC 2544 throughput (binary search for zero loss) and latency per frame size, from one interface to another through the device under test");
        command.Options.Add(send);
        command.Options.Add(receive);
        command.Options.Add(port.Driver);
        command.Options.Add(port.Cores);
        command.Options.Add(port.Json);
        foreach (Option option in new Option[] { sizes, trial, settle, resolution, maxTrials, tolerance, sourceIp, destinationIp, destinationMac }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            string sender = parse.GetRequiredValue(send);
            string receiver = parse.GetRequiredValue(receive);
            NetworkDevice tx = NetworkDevice.Find(sender);
            NetworkDevice rx = NetworkDevice.Find(receiver);
            int[] wireSizes = parse.GetValue(sizes) is { } list ? ParseSizes(list) : StandardSizes;
            int largest = Math.Min(tx.Mtu, rx.Mtu) + 14 + 4;
            if (wireSizes.Any(size => size < 64 || size > largest))
                throw new CommandLineException($"--sizes: every size must be from 64 to {largest} (MTU + 14 + FCS)");
            double percent = parse.GetValue(resolution);
            if (percent is <= 0 or >= 100) throw new CommandLineException($"--resolution: {percent} is not a percentage above 0");
            double lossTolerance = parse.GetValue(tolerance);
            if (lossTolerance is < 0 or >= 100) throw new CommandLineException($"--loss-tolerance: {lossTolerance} is not a percentage");
            int trials = parse.GetValue(maxTrials);
            if (trials < 1) throw new CommandLineException($"--max-trials: {trials} is below 1");
            var test = new Rfc2544Test
            {
                Driver = parse.GetValue(port.Driver),
                Cores = ParseCores(port, parse),
                Sender = sender,
                Receiver = receiver,
                Stream = new StreamSpec(tx.Mac,
                    parse.GetValue(destinationMac) is { } mac ? ValueParsers.Mac(mac, "--dst-mac") : rx.Mac,
                    parse.GetValue(sourceIp) is { } src ? ValueParsers.Ipv4(src, "--src-ip") : Ipv4Address.Parse("198.18.0.1"),
                    parse.GetValue(destinationIp) is { } dst ? ValueParsers.Ipv4(dst, "--dst-ip") : Ipv4Address.Parse("198.19.0.1"),
                    sourcePort: 49184, destinationPort: 7),
                WireSizes = wireSizes,
                Trial = parse.GetValue(trial) is { } t ? ValueParsers.Duration(t, "--trial") : TimeSpan.FromSeconds(2),
                Settle = parse.GetValue(settle) is { } s ? ValueParsers.Duration(s, "--settle") : TimeSpan.FromMilliseconds(500),
                Resolution = percent / 100,
                MaxTrials = trials,
                LossTolerance = lossTolerance / 100,
            };
            return Run(test, parse.GetValue(port.Json));
        });
        return command;
    }

    private static int Run(Rfc2544Test test, bool json)
    {
        var frames = new FrameLedger();
        var sendPorts = new WorkerPorts(test.Sender, test.Driver, 0, 1) { Frames = frames };
        var receivePorts = new WorkerPorts(test.Receiver, test.Driver, 0, 1) { Promiscuous = true, LargeReceiveRings = true, Frames = frames };
        using var stop = new TerminationSignals();
        using var exchange = new TrialExchange();
        var outcomes = new SizeOutcome[test.WireSizes.Length];
        PinnedWorkers.Run<int>(test.Cores, worker => worker == 0 ? sendPorts.Open(0) : receivePorts.Open(0),
            (worker, port) =>
            {
                if (worker == 1) return Receive(port, exchange);
                try
                {
                    // Half a second at full speed first, not counted: the loops reach their optimized code
                    // (tiered JIT) before the first trial, whose figure would otherwise be low.
                    TrafficGenerator.Run(port, [test.Stream], new GeneratorSettings { Duration = TimeSpan.FromMilliseconds(500) }, stop.Token);
                    for (int i = 0; i < test.WireSizes.Length && !stop.Token.IsCancellationRequested; i++) outcomes[i] = Search(test, port, exchange, i, stop.Token);
                }
                finally
                {
                    exchange.Finish();
                }
                return 0;
            }, stop.Trigger, () =>
            {
                Console.Error.WriteLine($"fastpath rfc2544: sending on {sendPorts.First?.Name} ({sendPorts.First?.Driver}, {sendPorts.First?.Mode}), "
                    + $"receiving on {receivePorts.First?.Name} ({receivePorts.First?.Driver}, {receivePorts.First?.Mode}); Ctrl-C stops");
            });

        var report = new RunReport("rfc2544", sendPorts);
        report.Add("receiver", receivePorts.First?.Name ?? test.Receiver);
        report.Add("trial_seconds", test.Trial.TotalSeconds);
        report.Add("settle_seconds", test.Settle.TotalSeconds);
        report.Add("loss_tolerance_percent", test.LossTolerance * 100);
        report.Add("resolution_percent", test.Resolution * 100);
        report.AddTableRow("frame_size", "throughput_fps", "wire_mbps", "trials", "latency_p50_us", "latency_p99_us", "latency_max_us", "note");
        var results = new List<RunReport.Fields>();
        foreach (SizeOutcome outcome in outcomes.Where(o => o != null))
        {
            ThroughputSearch search = outcome.Search;
            double wireMbps = search.Throughput * (outcome.WireSize + 20) * 8 / 1e6; // + preamble, delimiter and gap; the FCS is in the size
            var fields = new RunReport.Fields();
            fields.Add("frame_size", outcome.WireSize);
            fields.Add("throughput_fps", Math.Round(search.Throughput, 1));
            fields.Add("wire_bps", Math.Round(wireMbps * 1e6));
            fields.Add("limited_by_sender", search.LimitedBySender);
            fields.Add("trials", search.Trials.Count);
            fields.Add("latency_us", RunReport.Latency(outcome.Latency));
            var trials = new List<RunReport.Fields>();
            foreach (ThroughputTrial trial in search.Trials)
            {
                var t = new RunReport.Fields();
                t.Add("offered_fps", double.IsPositiveInfinity(trial.OfferedPps) ? -1 : Math.Round(trial.OfferedPps, 1));
                t.Add("sent_fps", Math.Round(trial.SentPps, 1));
                t.Add("sent", trial.Sent);
                t.Add("received", trial.Received);
                t.Add("passed", trial.Passed);
                trials.Add(t);
            }
            fields.Add("trial_results", trials);
            results.Add(fields);
            report.AddTableRow(Text(outcome.WireSize), search.Throughput.ToString("F0", CultureInfo.InvariantCulture), wireMbps.ToString("F1", CultureInfo.InvariantCulture),
                Text(search.Trials.Count), Micro(outcome.Latency.P50), Micro(outcome.Latency.P99), Micro(outcome.Latency.Max),
                search.LimitedBySender ? "sender-bound" : search.Throughput == 0 ? "no rate passed" : "");
        }
        report.Add("results", results);
        report.AddFrames(frames);
        report.Write(json, $"throughput from {test.Sender} to {test.Receiver}, {test.Trial.TotalSeconds:0.###} s trials, {(test.LossTolerance == 0 ? "zero loss" : $"loss <= {test.LossTolerance * 100:0.###} %")}");
        return 0;
    }

    /// <summary>The binary search for one frame size, run on the sending worker.</summary>
    private static SizeOutcome Search(Rfc2544Test test, IPacketPort port, TrialExchange exchange, int sizeIndex, CancellationToken stop)
    {
        int wireSize = test.WireSizes[sizeIndex];
        var search = new ThroughputSearch(test.Resolution, test.MaxTrials);
        LatencySummary latency = default;
        while (search.Next() is { } rate && !stop.IsCancellationRequested)
        {
            ushort trialId = (ushort)(sizeIndex * 64 + search.Trials.Count + 1);
            StreamSpec stream = test.Stream with
            {
                Id = trialId,
                Sizes = FrameSizes.Fixed(wireSize - 4),
                Rate = double.IsPositiveInfinity(rate) ? TransmitRate.Max : TransmitRate.PacketsPerSecond(rate),
            };
            exchange.Start();
            GeneratorResult sent = TrafficGenerator.Run(port, [stream], new GeneratorSettings { Duration = test.Trial }, stop);
            Thread.Sleep(test.Settle);
            SinkResult received = exchange.Stop();
            StreamReport? arrived = StreamReport.Merge([received.Signatures!], out _).FirstOrDefault(s => s.Id == trialId);
            long got = arrived is null ? 0 : arrived.RxPackets - arrived.Duplicates;
            bool passed = sent.Packets > 0 && sent.Packets - got <= test.LossTolerance * sent.Packets;
            double sentPps = sent.Packets / test.Trial.TotalSeconds;
            search.Record(new ThroughputTrial(rate, sentPps, sent.Packets, got, passed));
            if (passed && search.ThroughputTrialIndex == search.Trials.Count - 1) latency = arrived?.Latency ?? default;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fastpath rfc2544: {wireSize} bytes: offered {(double.IsPositiveInfinity(rate) ? "max" : RunReport.FormatRate(rate) + "fps")}, sent {sent.Packets}, received {got}: {(passed ? "pass" : "fail")}"));
        }
        return new SizeOutcome(wireSize, search, latency);
    }

    /// <summary>The receiving worker: one sink run per trial, started and stopped by the sender.</summary>
    private static int Receive(IPacketPort port, TrialExchange exchange)
    {
        try
        {
            while (exchange.WaitForStart(out CancellationToken trialStop))
                exchange.Complete(PacketSink.Run(port, new SinkSettings { Signatures = true }, trialStop));
        }
        finally
        {
            exchange.ReceiverGone();
        }
        return 0;
    }

    private static IReadOnlyList<int> ParseCores(PortOptions port, System.CommandLine.ParseResult parse)
    {
        IReadOnlyList<int>? cores = port.ParseCores(parse);
        if (cores is { Count: not 2 }) throw new CommandLineException("--cores: give two CPUs, the sender's and the receiver's (e.g. 0,1)");
        if (cores != null) return cores;
        IReadOnlyList<int> allowed = CpuAffinity.AllowedCpus();
        return allowed.Count >= 2 ? [allowed[0], allowed[1]] : [allowed[0], allowed[0]];
    }

    private static int[] ParseSizes(string text)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new CommandLineException($"--sizes: '{text}' is not a list of sizes (expected e.g. 64,512,1518)");
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Micro(long nanoseconds) => (nanoseconds / 1000.0).ToString("0.0", CultureInfo.InvariantCulture);

    private sealed record SizeOutcome(int WireSize, ThroughputSearch Search, LatencySummary Latency);

    private sealed record Rfc2544Test
    {
        public PortDriver Driver { get; init; }
        public required IReadOnlyList<int> Cores { get; init; }
        public required string Sender { get; init; }
        public required string Receiver { get; init; }
        public required StreamSpec Stream { get; init; }
        public required int[] WireSizes { get; init; }
        public TimeSpan Trial { get; init; }
        public TimeSpan Settle { get; init; }
        public double Resolution { get; init; }
        public int MaxTrials { get; init; }
        public double LossTolerance { get; init; }
    }

    /// <summary>
    /// Hands trials from the sending worker to the receiving one: Start wakes the receiver, Stop cancels its
    /// sink run and waits for the result, Finish ends its loop. Control path only (once per trial).
    /// </summary>
    private sealed class TrialExchange : IDisposable
    {
        private readonly SemaphoreSlim _start = new(0);
        private readonly SemaphoreSlim _done = new(0);
        private CancellationTokenSource? _trial;
        private SinkResult _result;
        private volatile bool _finished;
        private volatile bool _receiverGone;

        public void Start()
        {
            _trial = new CancellationTokenSource();
            _start.Release();
        }

        public SinkResult Stop()
        {
            _trial!.Cancel();
            _done.Wait(CancellationToken.None);
            _trial.Dispose();
            _trial = null;
            if (_receiverGone) throw new InvalidOperationException("the receiving worker stopped");
            return _result;
        }

        /// <summary>The receiver's loop ended (finished or failed): a sender waiting for a result must not wait forever.</summary>
        public void ReceiverGone()
        {
            _receiverGone = true;
            _done.Release();
        }

        public void Finish()
        {
            _finished = true;
            _start.Release();
        }

        public bool WaitForStart(out CancellationToken trialStop)
        {
            _start.Wait(CancellationToken.None);
            trialStop = _finished ? default : _trial!.Token;
            return !_finished;
        }

        public void Complete(SinkResult result)
        {
            _result = result;
            _done.Release();
        }

        public void Dispose()
        {
            _start.Dispose();
            _done.Dispose();
            _trial?.Dispose();
        }
    }
}
