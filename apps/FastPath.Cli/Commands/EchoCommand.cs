using System.CommandLine;
using FastPath.Cli.Hosting;
using FastPath.Cli.Options;

namespace FastPath.Cli.Commands;

/// <summary><c>fastpath echo</c>: the echo service (RFC 862) on FastPath's stack; also answers ARP and ping.</summary>
internal static class EchoCommand
{
    public const ushort EchoPort = 7;

    public static Command Create()
    {
        var port = new PortOptions();
        var address = StackOptions.Address();
        var listenPort = new Option<ushort>("--port") { Description = "Port to serve (RFC 862: 7)", DefaultValueFactory = _ => EchoPort };
        var udp = new Option<bool>("--udp") { Description = "Serve UDP echo (the default when neither --udp nor --tcp is given)" };
        var tcp = new Option<bool>("--tcp") { Description = "Serve TCP echo" };
        var command = new Command("echo", "Serve the echo protocol (RFC 862) on FastPath's own stack until stopped");
        port.AddTo(command, limitsRequired: false);
        command.Options.Add(address);
        command.Options.Add(listenPort);
        command.Options.Add(udp);
        command.Options.Add(tcp);
        command.SetAction(parse =>
        {
            if (parse.GetValue(tcp)) throw new CommandLineException("--tcp: TCP is not in FastPath's stack yet; use --udp");
            ushort number = parse.GetValue(listenPort);
            if (number == 0) throw new CommandLineException("--port: 0 is not a port");
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
}
