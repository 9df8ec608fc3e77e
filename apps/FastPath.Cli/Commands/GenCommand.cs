using System.CommandLine;
using FastPath.Apps.Generator;
using FastPath.Apps.Hosting;
using FastPath.Cli.Hosting;
using FastPath.Cli.Options;
using FastPath.Drivers.Linux;
using FastPath.Drivers.Linux.Devices;
using FastPath.Wire.Ethernet;

namespace FastPath.Cli.Commands;

/// <summary><c>fastpath gen</c>: sends one UDP stream as fast as the driver takes it, then prints what left.</summary>
internal static class GenCommand
{
    public static Command Create()
    {
        var port = new PortOptions();
        var sourceMac = new Option<string?>("--src-mac") { Description = "Source MAC (default: the interface's)" };
        var destinationMac = new Option<string?>("--dst-mac") { Description = "Destination MAC (default: broadcast)" };
        var sourceIp = new Option<string>("--src-ip") { Description = "Source IPv4 address", Required = true };
        var destinationIp = new Option<string>("--dst-ip") { Description = "Destination IPv4 address", Required = true };
        var sourcePort = new Option<ushort>("--src-port") { Description = "UDP source port", DefaultValueFactory = _ => UdpStream.DefaultPort };
        var destinationPort = new Option<ushort>("--dst-port") { Description = "UDP destination port", DefaultValueFactory = _ => UdpStream.DefaultPort };
        var size = new Option<int>("--size", "-s") { Description = "Frame size in bytes without the 4-byte FCS (60 = 64 on the wire)", DefaultValueFactory = _ => UdpStream.MinimumFrameSize };

        var command = new Command("gen", "Send UDP frames as fast as the interface takes them (AF_XDP or AF_PACKET), then print packets and pps sent");
        port.AddTo(command);
        command.Options.Add(sourceMac);
        command.Options.Add(destinationMac);
        command.Options.Add(sourceIp);
        command.Options.Add(destinationIp);
        command.Options.Add(sourcePort);
        command.Options.Add(destinationPort);
        command.Options.Add(size);
        command.SetAction(parse =>
        {
            string interfaceName = parse.GetRequiredValue(port.Interface);
            IReadOnlyList<int>? cores = port.ParseCores(parse);
            (long count, TimeSpan? duration) = port.ParseLimits(parse);
            NetworkDevice device = NetworkDevice.Find(interfaceName);
            var stream = new UdpStream(
                parse.GetValue(sourceMac) is { } src ? ValueParsers.Mac(src, "--src-mac") : device.Mac,
                parse.GetValue(destinationMac) is { } dst ? ValueParsers.Mac(dst, "--dst-mac") : MacAddress.Broadcast,
                ValueParsers.Ipv4(parse.GetRequiredValue(sourceIp), "--src-ip"),
                ValueParsers.Ipv4(parse.GetRequiredValue(destinationIp), "--dst-ip"),
                parse.GetValue(sourcePort),
                parse.GetValue(destinationPort),
                parse.GetValue(size));
            if (stream.FindProblem(device.Mtu) is { } problem) throw new CommandLineException($"--size: {problem}");
            return Run(interfaceName, parse.GetValue(port.Driver), parse.GetValue(port.Queue), cores, stream, count, duration, parse.GetValue(port.Json));
        });
        return command;
    }

    private static int Run(string interfaceName, PortDriver driver, int queue, IReadOnlyList<int>? cores, UdpStream stream, long count, TimeSpan? duration, bool json)
    {
        int workers = cores?.Count ?? 1;
        var ports = new WorkerPorts(interfaceName, driver, queue, workers);
        using var stop = new StopSignal();
        GeneratorResult[] results = PinnedWorkers.Run(cores, ports.Open,
            (worker, port) => TrafficGenerator.Run(port, stream, ShareOf(count, worker, workers), duration, stop.Token), stop.Source,
            () => ports.AnnounceReady("gen", "sending"));

        var report = new RunReport("gen", ports);
        report.Add("tx_packets", results.Sum(r => r.Packets));
        report.Add("tx_bytes", results.Sum(r => r.Bytes));
        report.AddRate(results.Max(r => r.Elapsed), results.Sum(r => r.Packets), stream.FrameSize);
        report.Add("frame_size", stream.FrameSize);
        report.Add("tx_ring_full", results.Sum(r => r.Port.TxRingFull));
        report.Add("tx_invalid", results.Sum(r => r.Port.TxInvalid));
        report.Add("tx_dropped", results.Sum(r => r.Port.TxDropped));
        report.Write(json, $"sent {results.Sum(r => r.Packets)} packets ({results.Sum(r => r.Bytes)} bytes)");
        return 0;
    }

    /// <summary>Worker <paramref name="worker"/>'s part of <paramref name="count"/>: equal shares, the remainder to the first workers; 0 stays unlimited.</summary>
    internal static long ShareOf(long count, int worker, int workers) =>
        count == 0 ? 0 : (count / workers) + (worker < count % workers ? 1 : 0);
}
