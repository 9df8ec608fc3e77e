using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FastPath.Apps.Ping;
using FastPath.Cli.Hosting;
using FastPath.Cli.Options;
using FastPath.Drivers.Linux.Devices;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Wire.Ipv4;

namespace FastPath.Cli.Commands;

/// <summary>
/// <c>fastpath ping</c>: iputils ping on FastPath's own stack. Options and output follow iputils; exit 0 when
/// any reply came back, 1 when none did, 2 on bad input.
/// </summary>
internal static class PingCommand
{
    // iputils: without -i, a flood sends at least a hundred requests a second.
    private static readonly TimeSpan FloodInterval = TimeSpan.FromMilliseconds(10);

    public static Command Create()
    {
        var port = new PortOptions();
        var address = new Option<string>("--ip") { Description = "Our address on the interface, with its prefix: 10.0.0.2/24", Required = true };
        var host = new Argument<string>("HOST") { Description = "The address (or a name in /etc/hosts) to ping" };
        var count = new Option<long>("-c", "--count") { Description = "Stop after sending (and receiving) COUNT requests" };
        var interval = new Option<double?>("-i", "--interval") { Description = "Seconds between requests (default 1; flood: 0.01)" };
        var size = new Option<int>("-s", "--size") { Description = "Data bytes per request (default 56: 64 with the ICMP header)", DefaultValueFactory = _ => PingSettings.DefaultDataSize };
        var timeout = new Option<double>("-W", "--timeout") { Description = "Seconds to wait for a reply when none came (default 10)", DefaultValueFactory = _ => 10 };
        var deadline = new Option<double?>("-w", "--deadline") { Description = "Stop after this many seconds, however many requests were sent" };
        var ttl = new Option<int>("-t", "--ttl") { Description = "IPv4 time to live of the requests (default 64)", DefaultValueFactory = _ => 64 };
        var flood = new Option<bool>("-f", "--flood") { Description = "Flood: next request as soon as a reply comes back, or after the interval; prints only the summary" };
        var quiet = new Option<bool>("-q", "--quiet") { Description = "Print only the header and the summary" };
        var command = new Command("ping", "Send ICMP echo requests from FastPath's stack and time the replies, as iputils ping does");
        command.Arguments.Add(host);
        port.AddAttachmentTo(command);
        command.Options.Add(address);
        command.Options.Add(count);
        command.Options.Add(interval);
        command.Options.Add(size);
        command.Options.Add(timeout);
        command.Options.Add(deadline);
        command.Options.Add(ttl);
        command.Options.Add(flood);
        command.Options.Add(quiet);
        command.Options.Add(port.Json);
        command.SetAction(parse =>
        {
            string hostText = parse.GetRequiredValue(host);
            Ipv4Address destination = Resolve(hostText);
            Ipv4Cidr local = ValueParsers.Ipv4Cidr(parse.GetRequiredValue(address), "--ip", "10.0.0.2/24");
            if (((destination.Value ^ local.Address.Value) & local.Netmask.Value) != 0)
                throw new CommandLineException($"ping: {destination} is not on {local} (no gateway): Network is unreachable");
            if (destination == local.Address) throw new CommandLineException($"ping: {destination} is our own address (--ip)");
            long requests = parse.GetValue(count);
            if (requests < 0) throw new CommandLineException($"-c: {requests} is not a count");
            bool isFlood = parse.GetValue(flood);
            double seconds = parse.GetValue(interval) ?? (isFlood ? FloodInterval.TotalSeconds : 1);
            if (seconds < 0 || double.IsNaN(seconds) || seconds > 3600) throw new CommandLineException($"-i: {seconds.ToString(CultureInfo.InvariantCulture)} is not an interval (0 to 3600 s)");
            int dataSize = parse.GetValue(size);
            if (dataSize is < 0 or > PingSettings.MaximumDataSize) throw new CommandLineException($"-s: {dataSize} is not a size (0 to {PingSettings.MaximumDataSize})");
            double wait = parse.GetValue(timeout);
            if (wait <= 0 || double.IsNaN(wait) || wait > 3600) throw new CommandLineException($"-W: {wait.ToString(CultureInfo.InvariantCulture)} is not a timeout (over 0, up to 3600 s)");
            int timeToLive = parse.GetValue(ttl);
            if (timeToLive is < 1 or > 255) throw new CommandLineException($"-t: {timeToLive} is not a TTL (1 to 255)");
            double? stopAfter = parse.GetValue(deadline);
            if (stopAfter is <= 0 or > 86400) throw new CommandLineException($"-w: {stopAfter.Value.ToString(CultureInfo.InvariantCulture)} is not a deadline (over 0, up to 86400 s)");
            bool json = parse.GetValue(port.Json);
            bool quietOutput = parse.GetValue(quiet) || isFlood || json;

            var settings = new PingSettings
            {
                Destination = destination,
                Identifier = (ushort)(Environment.ProcessId ^ Random.Shared.Next(0x10000)),
                Count = requests,
                Interval = TimeSpan.FromSeconds(seconds),
                DataSize = dataSize,
                Timeout = TimeSpan.FromSeconds(wait),
                Ttl = (byte)timeToLive,
                Flood = isFlood,
                ReportEachReply = !quietOutput,
            };
            var run = new PingRun(hostText, settings, local, parse.GetRequiredValue(port.Interface), port, parse);
            return run.Execute(json, stopAfter is { } limit ? TimeSpan.FromSeconds(limit) : null);
        });
        return command;
    }

    /// <summary>An IPv4 address, or a name the resolver (/etc/hosts first) knows; anything else is a one-line error, exit 2.</summary>
    private static Ipv4Address Resolve(string host)
    {
        if (Ipv4Address.TryParse(host, out Ipv4Address address)) return address;
        if (host.Length == 0 || host.All(c => char.IsAsciiDigit(c) || c == '.') || host.Contains(':', StringComparison.Ordinal))
            throw new CommandLineException($"ping: {host}: not an IPv4 address");
        try
        {
            Task<IPAddress[]> lookup = Dns.GetHostAddressesAsync(host, AddressFamily.InterNetwork);
            if (!lookup.Wait(TimeSpan.FromSeconds(5))) throw new CommandLineException($"ping: {host}: Temporary failure in name resolution");
            IPAddress? first = lookup.Result.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? throw new CommandLineException($"ping: {host}: Name or service not known");
            return Ipv4Address.Parse(first.ToString());
        }
        catch (AggregateException e) when (e.InnerException is SocketException)
        {
            throw new CommandLineException($"ping: {host}: Name or service not known");
        }
    }

    /// <summary>One run: the engine with its one busy-polling worker, the printing loop, the summary.</summary>
    private sealed class PingRun(string host, PingSettings settings, Ipv4Cidr local, string interfaceName, PortOptions port, ParseResult parse)
    {
        public int Execute(bool json, TimeSpan? deadline)
        {
            NetworkDevice device = NetworkDevice.Find(interfaceName);
            IReadOnlyList<int>? cores = port.ParseCores(parse);
            if (cores is { Count: > 1 }) throw new CommandLineException("--cores: ping runs one worker; give one CPU");
            var ports = new WorkerPorts(interfaceName, parse.GetValue(port.Driver), parse.GetValue(port.Queue), 1);
            var config = new InterfaceConfig { Address = local, Mac = device.Mac, Mtu = device.Mtu };
            FrameLedger frames = ports.Frames;
            using var pinger = new Pinger(settings, config);
            using var stop = new TerminationSignals();
            // Busy-poll: a worker that sleeps in poll(2) between requests would add its wake-up to every round trip.
            using var engine = global::FastPath.Engine.Runtime.Engine.Create(
                [new PortBinding<IPacketPort>(() => ports.Open(0), cores?[0])], _ => pinger,
                new EngineOptions { Worker = new WorkerOptions { Idle = IdleStrategy.BusyPoll, ThreadName = "fastpath ping" } });
            engine.Start();
            ports.AnnounceReady("ping", "pinging");
            if (!json) Console.Out.WriteLine(PingOutput.Header(host, settings.Destination, settings.DataSize));
            if (deadline is { } limit) stop.TriggerAfter(limit);

            Worker worker = engine.Workers[0];
            WaitHandle[] handles = [pinger.Finished, stop.Token.WaitHandle];
            while (!pinger.IsFinished && !stop.Token.IsCancellationRequested && worker.Failure is null && !worker.Exited.IsCompleted)
            {
                WaitHandle.WaitAny(handles, TimeSpan.FromMilliseconds(20));
                PrintEvents(pinger);
            }
            pinger.RequestStop();
            engine.Stop();
            if (worker.Failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            PrintEvents(pinger);
            PingStatistics statistics = pinger.Statistics;
            if (json)
            {
                using Stream stdout = Console.OpenStandardOutput();
                using (var writer = new Utf8JsonWriter(stdout))
                {
                    PingOutput.WriteJson(writer, host, settings.Destination, statistics, w =>
                    {
                        w.WriteNumber("data_size", settings.DataSize);
                        w.WriteBoolean("flood", settings.Flood);
                        ports.WriteJsonMembers(w);
                        w.WriteString("fallback_reason", ports.FallbackReason);
                        frames.WriteJson(w);
                    });
                }
                stdout.WriteByte((byte)'\n');
            }
            else
            {
                foreach (string line in PingOutput.Summary(host, statistics)) Console.Out.WriteLine(line);
                // On stderr: stdout keeps exactly the lines iputils prints, which scripts parse.
                Console.Error.WriteLine($"fastpath ping: {frames.Describe()}");
            }
            return statistics.Received > 0 ? 0 : 1;
        }

        private void PrintEvents(Pinger pinger)
        {
            while (pinger.Events.TryDequeue(out PingEvent answer)) Console.Out.WriteLine(PingOutput.Line(answer, host, settings.Destination));
        }
    }
}
