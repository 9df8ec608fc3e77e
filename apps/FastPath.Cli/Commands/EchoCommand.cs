using System.CommandLine;
using FastPath.Cli.Hosting;
using FastPath.Cli.Options;
using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;

namespace FastPath.Cli.Commands;

/// <summary><c>fastpath echo</c>: the echo service (RFC 862), UDP or TCP, on FastPath's stack; also answers ARP and ping.</summary>
internal static class EchoCommand
{
    public const ushort EchoPort = 7;

    public static Command Create()
    {
        var port = new PortOptions();
        var address = StackOptions.Address();
        var listenPort = new Option<ushort>("--port") { Description = "Port to serve (RFC 862: 7)", DefaultValueFactory = _ => EchoPort };
        var udp = new Option<bool>("--udp") { Description = "Serve UDP echo (the default when neither --udp nor --tcp is given)" };
        var tcp = new Option<bool>("--tcp") { Description = "Serve TCP echo (instead of UDP)" };
        var tcpOptions = new TcpCommandOptions();
        var command = new Command("echo", "Serve the echo protocol (RFC 862) on FastPath's own stack until stopped");
        port.AddTo(command, limitsRequired: false);
        command.Options.Add(address);
        command.Options.Add(listenPort);
        command.Options.Add(udp);
        command.Options.Add(tcp);
        tcpOptions.AddTo(command);
        command.SetAction(parse =>
        {
            ushort number = parse.GetValue(listenPort);
            if (number == 0) throw new CommandLineException("--port: 0 is not a port");
            if (parse.GetValue(tcp))
            {
                if (parse.GetValue(udp)) throw new CommandLineException("--udp and --tcp: give one (run two echo commands for both)");
                return ServeTcp(parse, port, address, number, tcpOptions.Parse(parse));
            }
            if (parse.GetResult(tcpOptions.KeepAlive) is not null || parse.GetValue(tcpOptions.NoDelay))
                throw new CommandLineException("--keepalive and --no-delay are TCP options: add --tcp");
            long[] echoed = new long[1024];
            var host = StackOptions.CreateHost("echo", parse, port, address, (worker, stack) =>
                stack.Udp.Bind(number, (socket, datagram) =>
                {
                    // Runs on the worker's thread: the reply is built from the received span, nothing allocated.
                    if (socket.SendTo(datagram.Payload, datagram.From)) echoed[worker]++;
                }));
            return host.Run(port.ParseCores(parse), port.ParseDuration(parse), parse.GetValue(port.Json),
                (writer, _) => writer.WriteNumber("udp_echoed", echoed.Sum()),
                _ => $"{echoed.Sum()} UDP datagrams echoed on port {number}; ");
        });
        return command;
    }

    private static int ServeTcp(ParseResult parse, PortOptions port, Option<string> address, ushort number, TcpOptions options)
    {
        IReadOnlyList<int>? cores = port.ParseCores(parse);
        var services = new TcpEchoService[cores?.Count ?? 1];
        var stacks = new NetworkStack[services.Length];
        var host = StackOptions.CreateHost("echo", parse, port, address, (worker, stack) =>
            services[worker] = new TcpEchoService(stacks[worker] = stack, number, options)
            {
                Lost = static (connection, error) => Console.Error.WriteLine(
                    $"fastpath echo: connection from {connection.RemoteAddress}:{connection.RemotePort} lost: {Describe(error)}"),
            });
        host.Tcp = options;
        long Connections() => services.Sum(service => service?.Connections ?? 0);
        long Bytes() => services.Sum(service => service?.BytesEchoed ?? 0);
        long Errors(TcpError error) => services.Sum(service => service?.Errors[(int)error] ?? 0);
        return host.Run(cores, port.ParseDuration(parse), parse.GetValue(port.Json),
            (writer, _) =>
            {
                writer.WriteNumber("tcp_connections", Connections());
                writer.WriteNumber("tcp_echoed_bytes", Bytes());
                writer.WriteStartObject("tcp_errors");
                foreach (TcpError error in Enum.GetValues<TcpError>())
                {
                    if (error != TcpError.None) writer.WriteNumber(JsonName(error), Errors(error));
                }
                writer.WriteEndObject();
                // How the listener held up: SYN cookies past a full backlog (a SYN flood), handshakes dropped when full.
                TcpCountersSnapshot[] tcp = [.. stacks.Where(stack => stack is not null).Select(stack => stack.Tcp.GetCounters())];
                writer.WriteStartObject("tcp_listen");
                writer.WriteNumber("passive_opens", tcp.Sum(counters => counters.PassiveOpens));
                writer.WriteNumber("syn_cookies_sent", tcp.Sum(counters => counters.SynCookiesSent));
                writer.WriteNumber("syn_cookies_accepted", tcp.Sum(counters => counters.SynCookiesAccepted));
                writer.WriteNumber("syn_cookies_rejected", tcp.Sum(counters => counters.SynCookiesRejected));
                writer.WriteNumber("listen_overflows", tcp.Sum(counters => counters.ListenOverflows));
                writer.WriteNumber("listen_drops", tcp.Sum(counters => counters.ListenDrops));
                writer.WriteNumber("segments_received", tcp.Sum(counters => counters.SegmentsReceived));
                writer.WriteEndObject();
            },
            _ => $"{Connections()} TCP connections, {Bytes()} bytes echoed on port {number}; ");
    }

    /// <summary>"keepalive timed out", as the one-line messages say it.</summary>
    internal static string Describe(TcpError error) => error switch
    {
        TcpError.Refused => "connection refused",
        TcpError.Reset => "connection reset by peer",
        TcpError.TimedOut => "timed out (retransmissions exhausted)",
        TcpError.KeepaliveTimedOut => "keepalive timed out",
        TcpError.Aborted => "aborted",
        TcpError.StackStopped => "stack stopped",
        _ => "closed",
    };

    private static string JsonName(TcpError error) => error switch
    {
        TcpError.KeepaliveTimedOut => "keepalive_timed_out",
        TcpError.TimedOut => "timed_out",
        TcpError.StackStopped => "stack_stopped",
        _ => error.ToString().ToLowerInvariant(),
    };
}
