using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Lab;

/// <summary>
/// <c>fastpath lab</c>: builds a private lab (two namespaces joined by a veth pair, one queue each), then
/// measures in turn, each phase with real programs in the namespaces: round trips (FastPath's ping and the
/// kernel's against <c>fastpath respond</c>, and the kernel against itself for reference), throughput
/// (<c>fastpath gen</c> into <c>fastpath sink</c>), and fan-out. Whatever happens (a phase failing, Ctrl-C,
/// SIGTERM) the lab is removed before <see cref="Run"/> returns or throws.
/// </summary>
/// <remarks>
/// Addresses, on the one link: the client's kernel 10.250.0.1, <c>fastpath respond</c> 10.250.0.2 on the
/// server's end, <c>fastpath ping</c> 10.250.0.3 on the client's end, the server's kernel 10.250.0.4. While a
/// FastPath program holds an end with AF_XDP, the kernel behind that end sees none of its frames, so the
/// phases that need the kernel there run after the FastPath program has exited (its XDP program goes with it).
/// </remarks>
public sealed partial class DemoLab(DemoLabSettings settings)
{
    private const int PrefixLength = 24;
    private static readonly Ipv4Address ClientKernel = new(10, 250, 0, 1);
    private static readonly Ipv4Address Responder = new(10, 250, 0, 2);
    private static readonly Ipv4Address ClientFastpath = new(10, 250, 0, 3);
    private static readonly Ipv4Address ServerKernel = new(10, 250, 0, 4);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(30);

    /// <summary>Runs every phase; throws <see cref="OperationCanceledException"/> when <paramref name="cancel"/> fires, after removing the lab.</summary>
    public DemoLabResults Run(CancellationToken cancel)
    {
        var elapsed = Stopwatch.StartNew();
        using LabNetwork lab = LabNetwork.Create("demo");
        Log($"building lab {lab.Id}: namespaces client and server, one veth pair");
        LabNamespace client = lab.AddNamespace("client");
        LabNamespace server = lab.AddNamespace("server");
        LabLink link = lab.Connect(client, server, new Ipv4Cidr(ClientKernel, PrefixLength), new Ipv4Cidr(ServerKernel, PrefixLength));
        cancel.ThrowIfCancellationRequested();

        var ping = new List<DemoLabPingRow>();
        LabProcess respond = StartFastpath(lab, server, "respond", "--iface", link.B, "--ip", Cidr(Responder), "--cores", "1");
        string? respondFailure = WaitReady(respond, "answering on", cancel);
        if (respondFailure is null)
        {
            ping.Add(FastpathPing(lab, client, link.A, cancel));
            ping.Add(KernelPing(lab, client, Responder, "fastpath respond", cancel));
            respond.Signal(15);
            respond.WaitForExit(TimeSpan.FromSeconds(10));
        }
        else
        {
            ping.Add(new DemoLabPingRow("fastpath ping", "fastpath respond") { Failure = respondFailure });
            ping.Add(new DemoLabPingRow("kernel ping", "fastpath respond") { Failure = respondFailure });
        }
        respond.Kill();
        ping.Add(KernelPing(lab, client, ServerKernel, "kernel", cancel));

        DemoLabTrafficRow traffic = Traffic(lab, client, server, link, cancel);
        DemoLabFanoutRow fanout = Fanout(lab, cancel);

        Log("removing the lab");
        return new DemoLabResults
        {
            LabId = lab.Id,
            PhaseSeconds = settings.PhaseDuration.TotalSeconds,
            Ping = ping,
            Traffic = traffic,
            Fanout = fanout,
            ElapsedSeconds = elapsed.Elapsed.TotalSeconds,
        };
    }

    private DemoLabPingRow FastpathPing(LabNetwork lab, LabNamespace client, string device, CancellationToken cancel)
    {
        var row = new DemoLabPingRow("fastpath ping", "fastpath respond");
        Log($"round trips: fastpath ping -> fastpath respond, {settings.PingCount} requests");
        LabProcess ping = StartFastpath(lab, client, "ping", Responder.ToString(), "--iface", device, "--ip", Cidr(ClientFastpath),
            "-c", Text(settings.PingCount), "-i", Seconds(settings.PingInterval), "-W", "2", "--cores", "0", "--json");
        LabCommandResult result = RunToEnd(ping, cancel);
        if (result.ExitCode is not (0 or 1)) return row with { Failure = Describe("fastpath ping", result) };
        try
        {
            using JsonDocument report = JsonDocument.Parse(result.Output);
            JsonElement root = report.RootElement;
            DemoLabRoundTrips? roundTrips = null;
            if (root.GetProperty("rtt_us") is { ValueKind: JsonValueKind.Object } rtt)
            {
                roundTrips = new DemoLabRoundTrips(rtt.GetProperty("min").GetDouble(), rtt.GetProperty("avg").GetDouble(), rtt.GetProperty("max").GetDouble(),
                    rtt.GetProperty("p50").GetDouble(), rtt.GetProperty("p90").GetDouble(), rtt.GetProperty("p99").GetDouble(), rtt.GetProperty("p999").GetDouble());
            }
            return row with { Transmitted = root.GetProperty("transmitted").GetInt64(), Received = root.GetProperty("received").GetInt64(), RoundTrips = roundTrips };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return row with { Failure = $"fastpath ping printed no report ({e.Message})" };
        }
    }

    private DemoLabPingRow KernelPing(LabNetwork lab, LabNamespace client, Ipv4Address target, string responder, CancellationToken cancel)
    {
        var row = new DemoLabPingRow("kernel ping", responder);
        if (settings.KernelPing is not { } ping) return row with { Failure = "iputils ping is not installed (apt-get install iputils-ping)" };
        Log($"round trips: kernel ping -> {responder}, {settings.PingCount} requests");
        LabProcess process = lab.Start(client, ping, ["-n", "-c", Text(settings.PingCount), "-i", Seconds(settings.PingInterval), "-W", "2", target.ToString()]);
        LabCommandResult result = RunToEnd(process, cancel);
        if (result.ExitCode is not (0 or 1)) return row with { Failure = Describe("ping", result) };
        return DemoLabKernelPing.Read(result.Output, row);
    }

    private DemoLabTrafficRow Traffic(LabNetwork lab, LabNamespace client, LabNamespace server, LabLink link, CancellationToken cancel)
    {
        int seconds = (int)Math.Ceiling(settings.PhaseDuration.TotalSeconds);
        Log($"throughput: fastpath gen -> fastpath sink, {seconds} s");
        LabProcess sink = StartFastpath(lab, server, "sink", "--iface", link.B, "--duration", $"{Text(seconds + 60)}s", "--cores", "1", "--json");
        if (WaitReady(sink, "receiving on", cancel) is { } failure)
        {
            sink.Kill();
            return new DemoLabTrafficRow { Failure = failure };
        }
        LabProcess gen = StartFastpath(lab, client, "gen", "--iface", link.A, "--src-ip", ClientKernel.ToString(), "--dst-ip", ServerKernel.ToString(),
            "--duration", $"{Text(seconds)}s", "--cores", "0", "--json");
        LabCommandResult sent = RunToEnd(gen, cancel);
        // Frames still in the veth's queues reach the sink within a moment; then it prints its totals on SIGTERM.
        Thread.Sleep(300);
        sink.Signal(15);
        LabCommandResult received = RunToEnd(sink, cancel);
        if (!sent.Succeeded) return new DemoLabTrafficRow { Failure = Describe("fastpath gen", sent) };
        if (!received.Succeeded) return new DemoLabTrafficRow { Failure = Describe("fastpath sink", received) };
        try
        {
            using JsonDocument tx = JsonDocument.Parse(sent.Output);
            using JsonDocument rx = JsonDocument.Parse(received.Output);
            return new DemoLabTrafficRow
            {
                TxPackets = tx.RootElement.GetProperty("tx_packets").GetInt64(),
                TxPps = tx.RootElement.GetProperty("pps").GetDouble(),
                FrameSize = (int)Math.Round(tx.RootElement.GetProperty("frame_size").GetDouble()),
                Driver = tx.RootElement.GetProperty("driver").GetString(),
                RxPackets = rx.RootElement.GetProperty("rx_packets").GetInt64(),
                RxPps = rx.RootElement.GetProperty("pps").GetDouble(),
                RxWireBps = rx.RootElement.GetProperty("wire_bps").GetDouble(),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new DemoLabTrafficRow { Failure = $"gen or sink printed no report ({e.Message})" };
        }
    }

    private LabProcess StartFastpath(LabNetwork lab, LabNamespace ns, params string[] arguments) =>
        lab.Start(ns, settings.FastpathFile, [.. settings.FastpathPrefix, .. arguments]);

    /// <summary>Null once the program says it is attached; else why not (it exited, or did not say so in time).</summary>
    private static string? WaitReady(LabProcess process, string line, CancellationToken cancel)
    {
        DateTime deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            cancel.ThrowIfCancellationRequested();
            if (process.WaitForStderr(line, TimeSpan.FromMilliseconds(200))) return null;
            if (process.HasExited)
            {
                LabCommandResult? result = process.WaitForExit(TimeSpan.FromSeconds(5));
                return result is null ? $"{process} exited" : Describe(process.Description, result);
            }
        }
        return $"{process} did not start within {ReadyTimeout.TotalSeconds:0} s";
    }

    /// <summary>Waits for the program to end, killing it when <paramref name="cancel"/> fires or it overruns its phase by far.</summary>
    private LabCommandResult RunToEnd(LabProcess process, CancellationToken cancel)
    {
        DateTime deadline = DateTime.UtcNow + settings.PhaseDuration * 3 + Slack;
        while (true)
        {
            if (cancel.IsCancellationRequested)
            {
                process.Kill();
                cancel.ThrowIfCancellationRequested();
            }
            if (process.WaitForExit(TimeSpan.FromMilliseconds(200)) is { } result) return result;
            if (DateTime.UtcNow > deadline)
            {
                process.Kill();
                return process.WaitForExit(TimeSpan.FromSeconds(10)) ?? new LabCommandResult(-1, "", "killed");
            }
        }
    }

    private static string Describe(string program, LabCommandResult result)
    {
        string error = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        return $"{program} exited with {Text(result.ExitCode)}{(error.Length > 0 ? $": {error}" : "")}";
    }

    private void Log(string message) => settings.Log?.WriteLine($"fastpath lab: {message}");

    private static string Cidr(Ipv4Address address) => new Ipv4Cidr(address, PrefixLength).ToString();

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
