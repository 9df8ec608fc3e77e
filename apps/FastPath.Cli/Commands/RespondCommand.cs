using System.CommandLine;
using FastPath.Cli.Hosting;
using FastPath.Cli.Options;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.Drivers.Linux.Devices;

namespace FastPath.Cli.Commands;

/// <summary><c>fastpath respond</c>: answers ARP and ICMP echo for an address, in place, until stopped.</summary>
internal static class RespondCommand
{
    public static Command Create()
    {
        var port = new PortOptions();
        var address = StackOptions.Address();
        var command = new Command("respond", "Answer ARP and ICMP echo (ping) for an address on an interface until stopped, then print the counters");
        port.AddTo(command, limitsRequired: false);
        port.AddStatsTo(command);
        command.Options.Add(address);
        command.SetAction(parse =>
        {
            var host = StackOptions.CreateHost("respond", parse, port, address);
            return host.Run(port.ParseCores(parse), port.ParseDuration(parse), parse.GetValue(port.Json),
                summary: counters => $"{counters.EchoReplies} echo replies, {counters.ArpReplies} ARP replies; ");
        });
        return command;
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
