using System.Globalization;
using System.Text.RegularExpressions;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Lab;

/// <summary>
/// A private lab of network namespaces, veth pairs and Linux bridges, built with iproute2. Every link is
/// created directly inside the lab's namespaces, so nothing appears in the host's namespace; names carry
/// this process's pid and a counter, so two labs (of one process or of two) coexist. Dispose kills the
/// programs the lab started and deletes every namespace, which deletes their links, also after a build
/// that failed half way; a process killed before it could dispose leaves names that
/// <see cref="SweepStale"/> (run by every <see cref="Create"/>) removes.
/// </summary>
/// <remarks>
/// Each namespace starts with IPv6 off, so the kernel sends no ND, MLD or router solicitations on its links,
/// and every veth end has TX checksum offload off, because veth otherwise hands over UDP and TCP frames
/// whose checksum is only partial, which a bypassing receiver (AF_XDP, AF_PACKET) sees as wrong.
/// </remarks>
public sealed partial class LabNetwork : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private static readonly HashSet<LabNetwork> OpenLabs = [];
    private static readonly Lock SweepLock = new();
    private static int _counter = -1;

    private readonly string _ip;
    private readonly string _setpriv;
    private readonly string? _ethtool;
    private readonly List<LabNamespace> _namespaces = [];
    private readonly List<LabLink> _links = [];
    private readonly List<LabProcess> _processes = [];
    private readonly Lock _lock = new();
    private int _nextLink;
    private int _disposed;

    static LabNetwork() => AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeOpenLabs();

    private LabNetwork(string ip, string setpriv, string? ethtool, string id)
    {
        _ip = ip;
        _setpriv = setpriv;
        _ethtool = ethtool;
        Id = id;
    }

    /// <summary>"4021-3": this process's pid and lab counter; part of every name the lab creates.</summary>
    public string Id { get; }

    /// <summary>Optional word added to the id in messages (the <c>tag</c> given to <see cref="Create"/>).</summary>
    public string? Tag { get; private init; }

    public IReadOnlyList<LabNamespace> Namespaces
    {
        get
        {
            lock (_lock) return [.. _namespaces];
        }
    }

    public IReadOnlyList<LabLink> Links
    {
        get
        {
            lock (_lock) return [.. _links];
        }
    }

    /// <summary>What this machine lacks to build a lab (root, iproute2, util-linux's setpriv), or null.</summary>
    public static string? MissingRequirement()
    {
        if (!IsRoot()) return "needs root (it creates network namespaces, veth pairs and a bridge)";
        if (LabCommand.FindTool("ip") is null) return "needs iproute2's ip (apt-get install iproute2)";
        if (LabCommand.FindTool("setpriv") is null) return "needs util-linux's setpriv (apt-get install util-linux)";
        return null;
    }

    /// <summary>Starts an empty lab after removing the leftovers of dead processes; throws when <see cref="MissingRequirement"/> says why it cannot.</summary>
    public static LabNetwork Create(string? tag = null)
    {
        if (MissingRequirement() is { } missing) throw new InvalidOperationException($"lab: {missing}");
        string ip = LabCommand.FindTool("ip")!;
        SweepStale();
        string id = LabNames.LabId(Environment.ProcessId, Interlocked.Increment(ref _counter));
        var lab = new LabNetwork(ip, LabCommand.FindTool("setpriv")!, LabCommand.FindTool("ethtool"), id) { Tag = tag };
        lock (OpenLabs) OpenLabs.Add(lab);
        return lab;
    }

    /// <summary>Removes namespaces and links of labs whose process is gone; returns how many it removed.</summary>
    public static int SweepStale()
    {
        string ip = LabCommand.FindTool("ip") ?? throw new InvalidOperationException("lab: needs iproute2's ip");
        lock (SweepLock) return LabSweep.Run(ip);
    }

    /// <summary>A new namespace with its loopback up and IPv6 off.</summary>
    public LabNamespace AddNamespace(string role)
    {
        ThrowIfDisposed();
        var ns = new LabNamespace(role, LabNames.Namespace(Id, role));
        lock (_lock)
        {
            if (_namespaces.Any(existing => existing.Role == role)) throw new ArgumentException($"the lab already has a namespace for role '{role}'", nameof(role));
            // Remembered before it exists: a failure below still leaves Dispose something to delete.
            _namespaces.Add(ns);
        }
        Ip(["netns", "add", ns.Name]);
        // Before any link exists, so "default" covers every link created later in this namespace.
        Check(ns, "sysctl", ["-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
        Ip(["-n", ns.Name, "link", "set", "dev", "lo", "up"]);
        return ns;
    }

    /// <summary>
    /// A bridge alone in a new namespace. Multicast snooping is off unless asked for: without a querier a
    /// snooping bridge floods unknown groups anyway, but once it has learned a report it forwards a group
    /// only to the ports that joined, and forgets them when its timers run out; off, it floods every group
    /// to every port, which is what a lab that checks delivery wants.
    /// </summary>
    public LabBridge AddBridge(string role, bool multicastSnooping = false)
    {
        LabNamespace ns = AddNamespace(role);
        string device = LabNames.Link(Id, NextLink(), 'r');
        Ip(["-n", ns.Name, "link", "add", "name", device, "type", "bridge", "mcast_snooping", multicastSnooping ? "1" : "0"]);
        Ip(["-n", ns.Name, "link", "set", "dev", device, "up"]);
        return new LabBridge(ns, device);
    }

    /// <summary>A veth pair between two namespaces, both ends up, with the given addresses (null: none).</summary>
    public LabLink Connect(LabNamespace a, LabNamespace b, Ipv4Cidr? aAddress, Ipv4Cidr? bAddress, int queues = 1)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        LabLink link = CreatePair(a, b, queues);
        Configure(a, link.A, aAddress);
        Configure(b, link.B, bAddress);
        return link;
    }

    /// <summary>A veth pair from <paramref name="ns"/> to a new port of <paramref name="bridge"/>, both ends up.</summary>
    public LabLink Attach(LabNamespace ns, LabBridge bridge, Ipv4Cidr? address, int queues = 1)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(bridge);
        LabLink link = CreatePair(ns, bridge.Namespace, queues);
        Ip(["-n", bridge.Namespace.Name, "link", "set", "dev", link.B, "master", bridge.Device]);
        Configure(bridge.Namespace, link.B, null);
        Configure(ns, link.A, address);
        return link;
    }

    /// <summary>The MAC address of <paramref name="device"/> in <paramref name="ns"/>.</summary>
    public MacAddress MacOf(LabNamespace ns, string device)
    {
        ArgumentNullException.ThrowIfNull(ns);
        string line = Ip(["-n", ns.Name, "-o", "link", "show", "dev", device]).Output;
        Match match = MacPattern().Match(line);
        if (!match.Success) throw new InvalidOperationException($"no MAC address in `ip -o link show` output: {line}");
        return MacAddress.Parse(match.Groups[1].Value);
    }

    /// <summary>Runs <paramref name="file"/> inside <paramref name="ns"/> to completion (killed after <paramref name="timeout"/>, default 30 s).</summary>
    public LabCommandResult Exec(LabNamespace ns, string file, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ThrowIfDisposed();
        return LabCommand.Run(_setpriv, InNamespaceArguments(ns, file, arguments), timeout ?? CommandTimeout);
    }

    /// <summary>Like <see cref="Exec"/>, but throws with the output when the program fails.</summary>
    public LabCommandResult Check(LabNamespace ns, string file, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ThrowIfDisposed();
        return LabCommand.Check(_setpriv, InNamespaceArguments(ns, file, arguments), timeout ?? CommandTimeout);
    }

    /// <summary>
    /// Starts <paramref name="file"/> inside <paramref name="ns"/>; it runs until it ends, is killed, or the
    /// lab (or this process, even by SIGKILL) goes. <paramref name="configure"/> may set the environment or
    /// the working directory.
    /// </summary>
    public LabProcess Start(LabNamespace ns, string file, IEnumerable<string> arguments, Action<System.Diagnostics.ProcessStartInfo>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ThrowIfDisposed();
        string[] list = InNamespaceArguments(ns, file, arguments);
        System.Diagnostics.ProcessStartInfo start = LabCommand.StartInfo(_setpriv, list);
        configure?.Invoke(start);
        var process = new LabProcess(ChildLauncher.Start(start), LabCommand.Describe(file, arguments));
        lock (_lock) _processes.Add(process);
        return process;
    }

    /// <summary>
    /// Kills the programs the lab started, then deletes its links and namespaces. Never throws: what it
    /// cannot remove it reports on stderr (and the next <see cref="SweepStale"/> removes once this process is gone).
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        lock (OpenLabs) OpenLabs.Remove(this);
        LabProcess[] processes;
        LabNamespace[] namespaces;
        LabLink[] links;
        lock (_lock)
        {
            processes = [.. _processes];
            namespaces = [.. _namespaces];
            links = [.. _links];
        }
        foreach (LabProcess process in processes) Quietly(process.Dispose, $"stop {process}");
        foreach (LabNamespace ns in namespaces) Quietly(() => LabSweep.KillProcessesIn(_ip, ns.Name), $"stop the programs in {ns}");
        // A namespace frees its links only when its last reference goes (a socket or a process left in
        // it can delay that), while deleting a veth end removes the pair at once.
        foreach (LabLink link in links) Quietly(() => LabCommand.Run(_ip, ["-n", link.ANamespace.Name, "link", "delete", link.A], CommandTimeout), $"delete {link.A}");
        foreach (LabNamespace ns in namespaces)
        {
            Quietly(() =>
            {
                LabCommandResult result = LabCommand.Run(_ip, ["netns", "delete", ns.Name], CommandTimeout);
                if (!result.Succeeded && File.Exists($"/var/run/netns/{ns.Name}"))
                    Console.Error.WriteLine($"lab {Id}: could not delete namespace {ns.Name}: {result}");
            }, $"delete {ns}");
        }
    }

    public override string ToString() => Tag is null ? $"lab {Id}" : $"lab {Id} ({Tag})";

    private LabLink CreatePair(LabNamespace a, LabNamespace b, int queues)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfLessThan(queues, 1);
        int index = NextLink();
        var link = new LabLink(a, LabNames.Link(Id, index, 'a'), b, LabNames.Link(Id, index, 'b'));
        string q = queues.ToString(CultureInfo.InvariantCulture);
        lock (_lock) _links.Add(link);
        // Both ends are born inside their namespaces (peer ... netns B): the host never sees them.
        Ip(["-n", a.Name, "link", "add", "name", link.A, "numtxqueues", q, "numrxqueues", q,
            "type", "veth", "peer", "name", link.B, "netns", b.Name, "numtxqueues", q, "numrxqueues", q]);
        return link;
    }

    private void Configure(LabNamespace ns, string device, Ipv4Cidr? address)
    {
        if (_ethtool is not null) Check(ns, _ethtool, ["-K", device, "tx", "off"]);
        if (address is { } cidr) Ip(["-n", ns.Name, "address", "add", cidr.ToString(), "dev", device]);
        Ip(["-n", ns.Name, "link", "set", "dev", device, "up"]);
    }

    private int NextLink() => Interlocked.Increment(ref _nextLink) - 1;

    /// <summary>setpriv sets PR_SET_PDEATHSIG and execs ip, which enters the namespace and execs the program: one process, which dies with us.</summary>
    internal string[] InNamespaceArguments(LabNamespace ns, string file, IEnumerable<string> arguments) =>
        ["--pdeathsig", "KILL", "--", _ip, "netns", "exec", ns.Name, file, .. arguments];

    private LabCommandResult Ip(IEnumerable<string> arguments) => LabCommand.Check(_ip, arguments, CommandTimeout);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void Quietly(Action action, string what)
    {
        try
        {
            action();
        }
#pragma warning disable CA1031 // Dispose runs in finally blocks and at process exit: it reports, it must not throw.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"lab {Id}: could not {what}: {e.Message}");
        }
    }

    private static void DisposeOpenLabs()
    {
        LabNetwork[] labs;
        lock (OpenLabs) labs = [.. OpenLabs];
        foreach (LabNetwork lab in labs) lab.Dispose();
    }

    private static bool IsRoot()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                    return line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2] == "0";
            }
        }
        catch (IOException)
        {
        }
        return false;
    }

    [GeneratedRegex(@"link/ether ([0-9a-f:]{17})")]
    private static partial Regex MacPattern();
}
