using System.Text.Json;
using FastPath.Drivers.Linux.Devices;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;
using FastPath.Wire.Ipv4;

namespace FastPath.Cli.Hosting;

/// <summary>
/// Runs FastPath's IPv4 stack on an interface: one engine worker per core, each with its own port and its
/// own <see cref="NetworkStack"/> (share nothing), until a signal or the duration; then prints the stacks'
/// counters summed, with drops by reason.
/// </summary>
internal sealed class StackHost(string command, WorkerPorts ports, Ipv4Cidr address, NetworkDevice device)
{
    /// <summary>Called for each worker's stack before it starts (bind sockets, join groups).</summary>
    public Action<int, NetworkStack>? Configure { get; init; }

    /// <summary>--stats-json: a JSON line a second with memory, GC, frame pools and the stacks' counters (null: none).</summary>
    public string? StatsFile { get; init; }

    /// <summary>The stacks' TCP settings (keepalive, Nagle) for commands that serve TCP.</summary>
    public TcpOptions Tcp { get; set; } = new();

    /// <summary>Echo reply rate limit of every worker's stack (0: none) and its burst (see <see cref="InterfaceConfig.IcmpEchoRepliesPerSecond"/>).</summary>
    public int EchoRepliesPerSecond { get; set; }

    public int EchoReplyBurst { get; set; } = InterfaceConfig.DefaultIcmpEchoReplyBurst;

    public int Run(IReadOnlyList<int>? cores, TimeSpan? duration, bool json, Action<Utf8JsonWriter, StackCountersSnapshot>? extraJson = null, Func<StackCountersSnapshot, string>? summary = null)
    {
        int workers = cores?.Count ?? 1;
        var stacks = new NetworkStack[workers];
        var bindings = new PortBinding<IPacketPort>[workers];
        FrameLedger frames = ports.Frames;
        for (int i = 0; i < workers; i++)
        {
            int worker = i;
            bindings[i] = new PortBinding<IPacketPort>(() => ports.Open(worker), cores?[worker]);
        }
        var config = new InterfaceConfig
        {
            Address = address, Mac = device.Mac, Mtu = device.Mtu, Tcp = Tcp,
            IcmpEchoRepliesPerSecond = EchoRepliesPerSecond, IcmpEchoReplyBurst = EchoReplyBurst,
        };
        using var stop = new TerminationSignals();
        using ProcessStatsReporter? stats = ProcessStatsReporter.Create(command, StatsFile, ports, writer => WriteCounters(writer, stacks));
        using global::FastPath.Engine.Runtime.Engine engine = global::FastPath.Engine.Runtime.Engine.Create(bindings, worker =>
        {
            var stack = new NetworkStack(config);
            Configure?.Invoke(worker, stack);
            stacks[worker] = stack;
            return stack;
        }, new EngineOptions
        {
            // A worker pinned with --cores owns its core: it busy-polls, as DPDK's do, and never pays a
            // wake-up after a burst. Unpinned, it shares the machine and sleeps in poll(2) when idle.
            Worker = new WorkerOptions { Idle = cores is null ? IdleStrategy.Adaptive : IdleStrategy.BusyPoll },
        });
        engine.Start();
        ports.AnnounceReady(command, $"{address} answering");
        stats?.Start();
        if (duration is { } limit) stop.TriggerAfter(limit);
        try
        {
            // Workers end on their own only when they fail; otherwise this waits for the signal or the duration.
            Task.WaitAny([.. engine.Workers.Select(worker => worker.Exited)], stop.Token);
        }
        catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
        {
        }
        engine.Stop();
        stats?.Stop();
        if (engine.Workers.Select(worker => worker.Failure).FirstOrDefault(failure => failure is not null) is { } failure)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        EngineStatistics statistics = engine.Statistics;

        StackCountersSnapshot counters = StackCountersSnapshot.Sum(stacks.Select(stack => stack.GetCounters()));
        if (json)
        {
            using var stdout = Console.OpenStandardOutput();
            using (var writer = new Utf8JsonWriter(stdout))
            {
                writer.WriteStartObject();
                counters.WriteJsonMembers(writer);
                extraJson?.Invoke(writer, counters);
                ports.WriteJsonMembers(writer);
                writer.WriteString("address", address.ToString());
                frames.WriteJson(writer);
                writer.WritePropertyName("engine");
                statistics.WriteJson(writer);
                writer.WriteEndObject();
            }
            stdout.WriteByte((byte)'\n');
        }
        else
        {
            string drops = string.Join(", ", counters.Drops.Where(drop => drop.Value > 0).Select(drop => $"{drop.Key} {drop.Value}"));
            Console.Out.WriteLine($"{command}: {summary?.Invoke(counters) ?? ""}{counters.RxPackets} frames received, {counters.TxPackets} sent; dropped {counters.DropsTotal}{(drops.Length > 0 ? $" ({drops})" : "")}; {frames.Describe()}");
        }
        return 0;
    }

    /// <summary>The stacks' counters summed, as JSON members (GetCounters is safe from any thread; a stack its worker has not built yet counts nothing).</summary>
    private static void WriteCounters(Utf8JsonWriter writer, NetworkStack?[] stacks)
    {
        var snapshots = new List<StackCountersSnapshot>(stacks.Length);
        for (int i = 0; i < stacks.Length; i++)
        {
            if (Volatile.Read(ref stacks[i]) is { } built) snapshots.Add(built.GetCounters());
        }
        StackCountersSnapshot.Sum(snapshots).WriteJsonMembers(writer);
    }
}
