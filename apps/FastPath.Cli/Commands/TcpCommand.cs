using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FastPath.Cli.Hosting;
using FastPath.Cli.Options;
using FastPath.Drivers.Linux.Devices;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;
using FastPath.Wire.Ipv4;

namespace FastPath.Cli.Commands;

/// <summary><c>fastpath tcp connect</c>: one TCP transfer to an echo or discard server, with goodput and RTT.</summary>
internal static class TcpCommand
{
    /// <summary>Exit code of a transfer that did not complete (refused, reset, timed out, bytes differ).</summary>
    public const int TransferFailed = 1;

    public static Command Create()
    {
        var command = new Command("tcp", "TCP tools on FastPath's own stack");
        command.Subcommands.Add(CreateConnect());
        return command;
    }

    private static Command CreateConnect()
    {
        var port = new PortOptions();
        var address = StackOptions.Address();
        address.Description = "Our address on the interface, with its prefix: 10.0.0.1/24";
        var host = new Argument<string>("HOST") { Description = "The server's IPv4 address" };
        var remotePort = new Argument<ushort>("PORT") { Description = "The server's port (7: echo, 9: discard)" };
        var bytes = new Option<string>("--bytes", "-n") { Description = "Bytes to send: 1000000, 10MB, 64KiB", DefaultValueFactory = _ => "10MB" };
        var timeout = new Option<string>("--timeout") { Description = "Give up after this long: 30s, 2m", DefaultValueFactory = _ => "60s" };
        var gateway = new Option<string?>("--gateway") { Description = "Next hop for a HOST outside --ip's prefix" };
        var tcpOptions = new TcpCommandOptions();
        var connect = new Command("connect", "Connect to HOST:PORT, send --bytes of a pattern, read back and verify what an echo server returns, report goodput and RTT");
        connect.Arguments.Add(host);
        connect.Arguments.Add(remotePort);
        port.AddAttachmentTo(connect);
        connect.Options.Add(port.Json);
        connect.Options.Add(address);
        connect.Options.Add(bytes);
        connect.Options.Add(timeout);
        connect.Options.Add(gateway);
        tcpOptions.AddTo(connect);
        connect.SetAction(parse =>
        {
            Ipv4Address remote = ValueParsers.Ipv4(parse.GetRequiredValue(host), "HOST");
            ushort number = parse.GetValue(remotePort);
            if (number == 0) throw new CommandLineException("PORT: 0 is not a port");
            long count = TcpCommandOptions.ByteCount(parse.GetValue(bytes)!, "--bytes");
            TimeSpan limit = ValueParsers.Duration(parse.GetValue(timeout)!, "--timeout");
            IReadOnlyList<int>? cores = port.ParseCores(parse);
            if (cores is { Count: > 1 }) throw new CommandLineException("--cores: one connection runs on one worker; give one CPU");
            Ipv4Cidr local = ValueParsers.Ipv4Cidr(parse.GetRequiredValue(address), "--ip");
            Ipv4Address next = parse.GetValue(gateway) is { } hop ? ValueParsers.Ipv4(hop, "--gateway") : default;
            if (!next.IsUnspecified && !local.Contains(next)) throw new CommandLineException($"--gateway: {next} is not on the link {local}");
            if (next.IsUnspecified && !local.Contains(remote)) throw new CommandLineException($"HOST: {remote} is not on the link {local}; give --gateway");
            TcpOptions options = tcpOptions.Parse(parse);
            var run = new ConnectRun(parse.GetRequiredValue(port.Interface), parse.GetValue(port.Driver), parse.GetValue(port.Queue), cores?[0],
                local, next, options);
            return run.Execute(remote, number, count, limit, parse.GetValue(port.Json));
        });
        return connect;
    }

    private sealed class ConnectRun(string interfaceName, FastPath.Drivers.Linux.PortDriver driver, int queue, int? cpu, Ipv4Cidr local, Ipv4Address gateway, TcpOptions options)
    {
        public int Execute(Ipv4Address remote, ushort remotePort, long bytes, TimeSpan limit, bool json)
        {
            NetworkDevice device = NetworkDevice.Find(interfaceName);
            var ports = new WorkerPorts(interfaceName, driver, queue, 1) { LargeReceiveRings = true };
            var config = new InterfaceConfig { Address = local, Gateway = gateway, Mac = device.Mac, Mtu = device.Mtu, Tcp = options };
            TcpTransfer? transfer = null;
            using var stop = new TerminationSignals();
            using Engine.Runtime.Engine engine = Engine.Runtime.Engine.Create([new PortBinding<IPacketPort>(() => ports.Open(0), cpu)], _ =>
                transfer = new TcpTransfer(new NetworkStack(config), remote, remotePort, bytes, options),
                new EngineOptions { Worker = new WorkerOptions { Idle = cpu is null ? IdleStrategy.Adaptive : IdleStrategy.BusyPoll } });
            engine.Start();
            // A one-shot client: no "ready" line (services print one for scripts to wait on), only why AF_XDP was not used.
            ports.AnnounceFallback("tcp");
            Worker worker = engine.Workers[0];
            Task<TcpTransferResult> completion = transfer!.Completion;
            bool interrupted = false;
            try
            {
                Task.WaitAny([completion, worker.Exited], (int)Math.Min(limit.TotalMilliseconds, int.MaxValue), stop.Token);
            }
            catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
            {
                interrupted = true;
            }
            (long sent, long echoed, TcpState? state) = transfer.Progress;
            engine.Stop();
            if (worker.Failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            // The worker's Stop finished an unfinished transfer as StackStopped, with the connection's last
            // figures: the counters are reported whatever ended the run.
            TcpTransferResult result = completion.IsCompleted
                ? completion.Result
                : new TcpTransferResult(TcpTransferOutcome.Failed, TcpError.StackStopped, null, sent, echoed, -1, TimeSpan.Zero, TimeSpan.Zero, default);
            var run = new ConnectReport(result, ports, ports.Frames, $"{remote}:{remotePort}", bytes);
            if (result.Error == TcpError.StackStopped)
            {
                return run.Fail(json, interrupted ? "interrupted" : "time_limit",
                    $"{(interrupted ? "interrupted" : "timed out")} ({limit.TotalSeconds:0.###} s limit) connecting to or transferring with {remote}:{remotePort} "
                    + $"(state {state?.ToString() ?? "none"}, sent {result.Sent} of {bytes} bytes, {result.Echoed} echoed)");
            }
            return run.Write(json);
        }
    }

    /// <summary>The end of one transfer: the counters (one line, or one JSON object) whatever the outcome, then one line on stderr when it failed.</summary>
    private sealed class ConnectReport(TcpTransferResult result, WorkerPorts ports, FrameLedger frames, string peer, long bytes)
    {
        public int Write(bool json)
        {
            switch (result.Outcome)
            {
                case TcpTransferOutcome.Refused:
                    return Fail(json, "refused", $"connection refused by {peer}");
                case TcpTransferOutcome.Failed:
                    return Fail(json, Outcome(result.Error), $"connection to {peer}: {result.Message ?? EchoCommand.Describe(result.Error)} (sent {result.Sent} of {bytes} bytes, {result.Echoed} echoed)");
            }
            // A transfer that ran to the peer's FIN prints its summary whatever it found, then says what was wrong.
            bool complete = result.Outcome == TcpTransferOutcome.Completed && result.Sent == bytes;
            string outcome = !complete ? "peer_closed_early" : !Verified ? "echo_differs" : "completed";
            Print(json, outcome);
            if (!complete)
            {
                Console.Error.WriteLine($"fastpath tcp: {peer} closed the connection after {result.Sent} of {bytes} bytes");
                return TransferFailed;
            }
            if (!Verified)
            {
                Console.Error.WriteLine(result.MismatchAt >= 0
                    ? $"fastpath tcp: the echoed bytes differ from those sent at offset {result.MismatchAt}"
                    : $"fastpath tcp: {result.Echoed} bytes echoed of {result.Sent} sent");
                return TransferFailed;
            }
            return 0;
        }

        /// <summary>
        /// "fastpath tcp: WHY" on stderr and exit 1. With --json the whole report comes first on stdout; the
        /// text form says what was sent and echoed and where the frames are on that one line.
        /// </summary>
        public int Fail(bool json, string outcome, string why)
        {
            if (json) Print(json, outcome);
            Console.Error.WriteLine(json || outcome == "refused" ? $"fastpath tcp: {why}" : $"fastpath tcp: {why}; {frames.Describe()}");
            return TransferFailed;
        }

        private bool Verified => result.MismatchAt < 0 && (result.Echoed == 0 || result.Echoed == result.Sent);

        private void Print(bool json, string outcome)
        {
            bool complete = outcome is "completed" or "echo_differs";
            double seconds = result.Elapsed.TotalSeconds;
            double goodput = seconds > 0 ? result.Sent * 8 / seconds : 0;
            double rttMicroseconds = Math.Round(result.Statistics.SmoothedRtt.TotalMicroseconds, 1);
            PortInfo? info = ports.First;
            if (json)
            {
                using var stdout = Console.OpenStandardOutput();
                using (var writer = new Utf8JsonWriter(stdout))
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("bytes", result.Sent);
                    writer.WriteNumber("seconds", Math.Round(seconds, 6));
                    writer.WriteNumber("goodput_bps", Math.Round(goodput));
                    writer.WriteNumber("rtt_us", rttMicroseconds);
                    writer.WriteNumber("retransmissions", result.Statistics.Retransmissions);
                    writer.WriteNumber("timeouts", result.Statistics.Timeouts);
                    writer.WriteNumber("echoed_bytes", result.Echoed);
                    writer.WriteBoolean("verified", Verified);
                    // Where the first echoed byte differed (-1: none did): for a transfer cut short, whether what came back was right.
                    writer.WriteNumber("mismatch_at", result.MismatchAt);
                    writer.WriteBoolean("complete", complete);
                    writer.WriteString("outcome", outcome);
                    writer.WriteNumber("connect_us", Math.Round(result.ConnectTime.TotalMicroseconds, 1));
                    writer.WriteNumber("cwnd", result.Statistics.CongestionWindow);
                    writer.WriteNumber("mss", result.Statistics.SendMss);
                    writer.WriteString("peer", peer);
                    ports.WriteJsonMembers(writer);
                    frames.WriteJson(writer);
                    writer.WriteEndObject();
                }
                stdout.WriteByte((byte)'\n');
                return;
            }
            string echo = result.Echoed == 0 ? "nothing echoed" + (complete ? " (a discard server)" : "") : $"{result.Echoed} echoed, {(Verified ? "identical" : "DIFFERENT")}";
            string what = complete ? $"{result.Sent} bytes" : $"{result.Sent} of {bytes} bytes ({outcome.Replace('_', ' ')})";
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tcp connect: {what} to {peer} in {seconds:F3} s = {goodput / 1e6:F1} Mbit/s goodput; {echo}; RTT {rttMicroseconds} us, {result.Statistics.Retransmissions} retransmissions; {info?.Driver} ({info?.Mode}) on {info?.Name}; {frames.Describe()}"));
        }

        private static string Outcome(TcpError error) => error switch
        {
            TcpError.Reset => "reset",
            TcpError.TimedOut => "timed_out",
            TcpError.KeepaliveTimedOut => "keepalive_timed_out",
            TcpError.Aborted => "aborted",
            TcpError.Refused => "refused",
            _ => "failed",
        };
    }
}
