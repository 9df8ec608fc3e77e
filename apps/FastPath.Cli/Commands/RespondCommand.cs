using System.CommandLine;
using FastPath.Cli.Hosting;
using FastPath.Cli.Options;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.Drivers.Linux.Devices;
using FastPath.Engine.Stack;

namespace FastPath.Cli.Commands;

/// <summary><c>fastpath respond</c>: answers ARP and ICMP echo for an address, in place, until stopped.</summary>
internal static class RespondCommand
{
    public static Command Create()
    {
        var port = new PortOptions();
        var address = StackOptions.Address();
        var echoRate = new Option<int>("--echo-rate")
        {
            Description = "Echo replies per second per worker, sustained; requests beyond it are dropped and counted (echo_rate_limited). 0: no limit (the default, as Linux)",
        };
        var echoBurst = new Option<int>("--echo-burst")
        {
            Description = "Echo replies that may go out back to back before --echo-rate applies",
            DefaultValueFactory = _ => InterfaceConfig.DefaultIcmpEchoReplyBurst,
        };
        var command = new Command("respond", "Answer ARP and ICMP echo (ping) for an address on an interface until stopped, then print the counters");
        port.AddTo(command, limitsRequired: false);
        port.AddStatsTo(command);
        command.Options.Add(address);
        command.Options.Add(echoRate);
        command.Options.Add(echoBurst);
        command.SetAction(parse =>
        {
            (int rate, int burst) = ParseEchoLimit(parse, echoRate, echoBurst);
            var host = StackOptions.CreateHost("respond", parse, port, address);
            host.EchoRepliesPerSecond = rate;
            host.EchoReplyBurst = burst;
            return host.Run(port.ParseCores(parse), port.ParseDuration(parse), parse.GetValue(port.Json),
                (writer, _) =>
                {
                    writer.WriteNumber("echo_rate", rate);
                    writer.WriteNumber("echo_burst", rate > 0 ? burst : 0);
                },
                counters => $"{counters.EchoReplies} echo replies, {counters.ArpReplies} ARP replies"
                    + (rate > 0 ? $", {counters.Dropped(StackDropReason.EchoRateLimited)} echo requests over {rate}/s; " : "; "));
        });
        return command;
    }

    private static (int Rate, int Burst) ParseEchoLimit(ParseResult parse, Option<int> echoRate, Option<int> echoBurst)
    {
        int rate = parse.GetValue(echoRate);
        int burst = parse.GetValue(echoBurst);
        if (rate < 0) throw new CommandLineException($"--echo-rate: {rate} is not a rate (replies per second; 0 for no limit)");
        if (parse.GetResult(echoBurst) is { Implicit: false })
        {
            if (rate == 0) throw new CommandLineException("--echo-burst needs --echo-rate (without a rate every request is answered)");
            if (burst < 1) throw new CommandLineException($"--echo-burst: {burst} is not a burst (1 or more replies)");
        }
        return (rate, burst);
    }
}

/// <summary>Options and set-up shared by the commands that run the IPv4 stack.</summary>
internal static class StackOptions
{
    public static Option<string> Address() => new("--ip") { Description = "The address to answer for, with its prefix: 10.0.0.1/24", Required = true };

    public static StackHost CreateHost(string command, ParseResult parse, PortOptions port, Option<string> addressOption, Action<int, FastPath.Engine.Stack.NetworkStack>? configure = null)
    {
        FastPath.Wire.Ipv4.Ipv4Cidr address = ValueParsers.Ipv4Cidr(parse.GetRequiredValue(addressOption), "--ip");
        string interfaceName = parse.GetRequiredValue(port.Interface);
        IReadOnlyList<int>? cores = port.ParseCores(parse);
        NetworkDevice device = NetworkDevice.Find(interfaceName);
        var ports = new WorkerPorts(interfaceName, parse.GetValue(port.Driver), parse.GetValue(port.Queue), cores?.Count ?? 1)
        {
            FanoutGroup = AfPacketOptions.DefaultFanoutGroupFor(device.Index),
            LargeReceiveRings = true,
        };
        return new StackHost(command, ports, address, device) { Configure = configure, StatsFile = parse.GetValue(port.StatsJson) };
    }
}
