using System.Text.Json;
using FastPath.Drivers.Linux;
using FastPath.Engine.Ports;

namespace FastPath.Cli.Hosting;

/// <summary>
/// Opens one port per worker and remembers what each got (driver, mode, and why Auto fell back), so the
/// command can say it once at the end.
/// </summary>
internal sealed class WorkerPorts(string interfaceName, PortDriver driver, int firstQueue, int workers)
{
    private readonly PortInfo?[] _infos = new PortInfo?[workers];
    private readonly string?[] _fallbacks = new string?[workers];
    private readonly IPacketPort?[] _ports = new IPacketPort?[workers];

    /// <summary>AF_PACKET workers join one fanout group per interface so each frame reaches exactly one of them.</summary>
    public int? FanoutGroup { get; init; }

    /// <summary>Receive frames for any destination MAC (AF_PACKET membership).</summary>
    public bool Promiscuous { get; init; }

    /// <summary>Receivers ask for rings that absorb the kernel's bursts (see <see cref="PortRequest.LargeReceiveRings"/>).</summary>
    public bool LargeReceiveRings { get; init; }

    /// <summary>Where every opened port's pool is counted for the final report; two port sets of one command may share one.</summary>
    public FrameLedger Frames { get; init; } = new();

    public IPacketPort Open(int worker)
    {
        // AF_XDP has one socket per queue, so worker i takes queue first + i; AF_PACKET ignores the queue.
        var request = new PortRequest(interfaceName, driver, firstQueue + worker) { FanoutGroup = workers > 1 ? FanoutGroup : null, Promiscuous = Promiscuous, LargeReceiveRings = LargeReceiveRings };
        OpenedPort opened = LinuxPorts.Open(request);
        _infos[worker] = opened.Port.Info;
        _fallbacks[worker] = opened.FallbackReason;
        // Published for the stats reporter's thread, which reads each worker's pool and counters.
        Volatile.Write(ref _ports[worker], opened.Port);
        Frames.Record(opened.Port);
        LinkMonitor.Watch(opened.Port);
        return opened.Port;
    }

    /// <summary>The ports opened so far, by worker (null until a worker has opened its own); they may be closed already.</summary>
    public IReadOnlyList<IPacketPort?> Opened => _ports;

    public PortInfo? First => _infos.FirstOrDefault(info => info != null);

    public string? FallbackReason => _fallbacks.FirstOrDefault(reason => reason != null);

    /// <summary>Writes "driver", "mode" and "interface" of the first port opened (null when none was) into a command's JSON object.</summary>
    public void WriteJsonMembers(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        PortInfo? info = First;
        writer.WriteString("driver", info?.Driver);
        writer.WriteString("mode", info?.Mode);
        writer.WriteString("interface", info?.Name);
    }

    /// <summary>Says on stderr that every worker is attached: scripts and tests wait for this line before sending.</summary>
    public void AnnounceReady(string command, string verb)
    {
        PortInfo? info = First;
        AnnounceFallback(command);
        Console.Error.WriteLine($"fastpath {command}: {verb} on {info?.Name} queue {string.Join(',', Queues)} ({info?.Driver}, {info?.Mode}); Ctrl-C stops");
    }

    /// <summary>Says on stderr why AF_XDP was not used, when Auto fell back to AF_PACKET.</summary>
    public void AnnounceFallback(string command)
    {
        if (FallbackReason is { } reason) Console.Error.WriteLine($"fastpath {command}: AF_XDP not used ({reason}); using AF_PACKET");
    }

    public IEnumerable<int> Queues => _infos.Where(info => info != null).Select(info => info!.Queue);
}
