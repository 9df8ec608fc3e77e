using System.CommandLine;
using System.Text.Json;
using FastPath.Apps.Fanout;
using FastPath.Cli.Hosting;
using FastPath.Cli.Options;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.Drivers.Linux.Devices;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Cli.Commands;

/// <summary>
/// <c>fastpath fanout</c>: the multicast fan-out appliance. Joins groups with IGMP, copies each datagram to
/// every destination (unicast or another group), and prints per-destination counters on exit.
/// </summary>
internal static class FanoutCommand
{
    public static Command Create()
    {
        var port = new PortOptions();
        var address = StackOptions.Address();
        var groups = new Option<string[]>("--group", "-g") { Description = "A group to join and fan out, G:PORT (repeat for more)", AllowMultipleArgumentsPerToken = false };
        var to = new Option<string[]>("--to") { Description = "Unicast destinations of every --group: DEST:PORT[,DEST:PORT...] (repeatable)" };
        var toGroup = new Option<string[]>("--to-group") { Description = "A group to copy every --group's datagrams to, G2:PORT (repeatable)" };
        var config = new Option<string?>("--config") { Description = "JSON file of groups and destinations (see README: fastpath fanout)" };
        var command = new Command("fanout", "Join multicast groups and copy each datagram to every destination (unicast or group), until stopped; print per-destination counters");
        port.AddTo(command);
        command.Options.Add(address);
        command.Options.Add(groups);
        command.Options.Add(to);
        command.Options.Add(toGroup);
        command.Options.Add(config);
        command.SetAction(parse =>
        {
            FanoutSettings settings = Settings(parse.GetValue(groups) ?? [], parse.GetValue(to) ?? [], parse.GetValue(toGroup) ?? [], parse.GetValue(config));
            Ipv4Cidr cidr = ValueParsers.Ipv4Cidr(parse.GetRequiredValue(address), "--ip");
            long count = parse.GetValue(port.Count);
            if (count < 0) throw new CommandLineException($"--count: {count} is negative");
            return Run(parse, port, cidr, settings, count);
        });
        return command;
    }

    /// <summary>The settings from the command line and the config file together; one line and exit 2 on anything wrong.</summary>
    internal static FanoutSettings Settings(string[] groupTexts, string[] toTexts, string[] toGroupTexts, string? configPath)
    {
        var destinations = new List<FanoutDestination>();
        foreach (string list in toTexts)
        {
            foreach (string item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                FanoutEndpoint endpoint = Endpoint(item, "--to");
                if (endpoint.Address.IsMulticast) throw new CommandLineException($"--to: {endpoint} is a group; use --to-group for groups");
                destinations.Add(new FanoutDestination(endpoint));
            }
        }
        foreach (string item in toGroupTexts)
        {
            FanoutEndpoint endpoint = Endpoint(item, "--to-group");
            if (!endpoint.Address.IsMulticast) throw new CommandLineException($"--to-group: {endpoint.Address} is not a multicast group");
            destinations.Add(new FanoutDestination(endpoint));
        }
        var all = new List<FanoutGroup>();
        byte ttl = 64, groupTtl = 1;
        try
        {
            if (configPath is not null)
            {
                FanoutSettings file = FanoutConfigFile.Load(configPath);
                all.AddRange(file.Groups);
                (ttl, groupTtl) = (file.UnicastTtl, file.GroupTtl);
            }
            if (groupTexts.Length == 0 && destinations.Count > 0) throw new CommandLineException("--to and --to-group need at least one --group");
            foreach (string item in groupTexts) all.Add(new FanoutGroup(Endpoint(item, "--group"), destinations));
            if (all.Count == 0) throw new CommandLineException("give --group G:PORT with --to/--to-group, or --config FILE");
            var settings = new FanoutSettings { Groups = all, UnicastTtl = ttl, GroupTtl = groupTtl };
            settings.Validate();
            return settings;
        }
        catch (FanoutConfigException e)
        {
            throw new CommandLineException(e.Message);
        }
    }

    private static FanoutEndpoint Endpoint(string text, string option) =>
        FanoutEndpoint.TryParse(text, out FanoutEndpoint endpoint) ? endpoint : throw new CommandLineException($"{option}: '{text}' is not ADDRESS:PORT (e.g. 239.1.1.1:5000)");

    private static int Run(ParseResult parse, PortOptions port, Ipv4Cidr address, FanoutSettings settings, long count)
    {
        string interfaceName = parse.GetRequiredValue(port.Interface);
        IReadOnlyList<int>? cores = port.ParseCores(parse);
        TimeSpan? duration = port.ParseDuration(parse);
        bool json = parse.GetValue(port.Json);
        NetworkDevice device = NetworkDevice.Find(interfaceName);
        int workers = cores?.Count ?? 1;
        var ports = new WorkerPorts(interfaceName, parse.GetValue(port.Driver), parse.GetValue(port.Queue), workers)
        {
            FanoutGroup = AfPacketOptions.DefaultFanoutGroupFor(device.Index),
            LargeReceiveRings = true,
        };
        var config = new InterfaceConfig { Address = address, Mac = device.Mac, Mtu = device.Mtu };
        var fanouts = new MulticastFanout[workers];
        var bindings = new PortBinding<IPacketPort>[workers];
        FrameLedger frames = ports.Frames;
        for (int i = 0; i < workers; i++)
        {
            int worker = i;
            bindings[i] = new PortBinding<IPacketPort>(() => ports.Open(worker), cores?[worker]);
        }

        using var stop = new TerminationSignals();
        using global::FastPath.Engine.Runtime.Engine engine = global::FastPath.Engine.Runtime.Engine.Create(bindings, worker =>
        {
            MulticastFanout? fanout = null;
            fanout = new MulticastFanout(config, settings) { Started = context => FollowMembership(context.Port, fanout!.Stack) };
            fanouts[worker] = fanout;
            return fanout;
        }, new EngineOptions
        {
            // Pinned with --cores, a worker owns its core and busy-polls; unpinned it sleeps in poll(2) when idle.
            Worker = new WorkerOptions { Idle = cores is null ? IdleStrategy.Adaptive : IdleStrategy.BusyPoll },
        });
        engine.Start();
        ports.AnnounceReady("fanout", $"{address} fanning out {settings.Groups.Count} group(s) to {settings.DestinationCount} destination(s)");
        if (duration is { } limit) stop.TriggerAfter(limit);
        WaitForEnd(engine, count, fanouts, stop.Token);
        engine.Stop();
        if (engine.Workers.Select(worker => worker.Failure).FirstOrDefault(failure => failure is not null) is { } failure)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);

        FanoutReport report = FanoutReport.From(fanouts);
        StackCountersSnapshot stack = StackCountersSnapshot.Sum(fanouts.Select(fanout => fanout.Stack.GetCounters()));
        if (json)
        {
            using Stream stdout = Console.OpenStandardOutput();
            using (var writer = new Utf8JsonWriter(stdout))
            {
                writer.WriteStartObject();
                report.WriteJsonMembers(writer);
                ports.WriteJsonMembers(writer);
                writer.WriteString("address", address.ToString());
                frames.WriteJson(writer);
                writer.WriteStartObject("stack");
                stack.WriteJsonMembers(writer);
                writer.WriteEndObject();
                writer.WritePropertyName("engine");
                engine.Statistics.WriteJson(writer);
                writer.WriteEndObject();
            }
            stdout.WriteByte((byte)'\n');
        }
        else
        {
            Console.Out.Write(report.ToTable());
            Console.Out.WriteLine($"stack: {stack.RxPackets} frames received, {stack.TxPackets} sent, {stack.IgmpReportsSent} IGMP reports, {stack.IgmpLeavesSent} leaves; dropped {stack.DropsTotal}; {frames.Describe()}");
        }
        return 0;
    }

    /// <summary>Until a signal, the duration, --count datagrams received, or a worker failing.</summary>
    private static void WaitForEnd(global::FastPath.Engine.Runtime.Engine engine, long count, MulticastFanout?[] fanouts, CancellationToken stop)
    {
        Task anyExited = Task.WhenAny(engine.Workers.Select(worker => worker.Exited));
        while (!stop.IsCancellationRequested && !anyExited.IsCompleted)
        {
            if (count > 0 && fanouts.Sum(fanout => fanout?.Received ?? 0) >= count) return;
            try
            {
                anyExited.Wait(count > 0 ? 20 : Timeout.Infinite, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// AF_PACKET sees a group's frames only once the interface's multicast filter admits its MAC
    /// (PACKET_ADD_MEMBERSHIP); AF_XDP's program sees every frame the device takes. The stack's IGMP host
    /// says when membership changes; the port is opened on the worker, so this runs there, at start.
    /// </summary>
    private static void FollowMembership(IPacketPort port, NetworkStack stack)
    {
        if (port is not AfPacketPort packet) return;
        foreach (Ipv4Address group in stack.Igmp.Groups) packet.AddMulticastMembership(MacAddress.FromIpv4Multicast(group));
        stack.Igmp.MembershipChanged = (group, joined) =>
        {
            if (joined) packet.AddMulticastMembership(MacAddress.FromIpv4Multicast(group));
            else packet.DropMulticastMembership(MacAddress.FromIpv4Multicast(group));
        };
    }
}
