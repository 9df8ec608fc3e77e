using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FastPath.TestKit.Interop;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.TestKit;

/// <summary>
/// A veth pair whose local end stays in this process's namespace (where the test opens its AF_XDP or
/// AF_PACKET port) and whose peer end lives in a fresh network namespace, where the kernel's own stack is
/// the peer. Dispose removes the namespace and both links; so does the ProcessExit hook for labs a test
/// forgot, and the next Create for labs a killed run left behind.
/// </summary>
/// <remarks>
/// The local end has no address and IPv6 off, so this host's kernel sends nothing on it (no ND, MLD or
/// router solicitations): every frame the port sees comes from the peer. The peer has a permanent
/// neighbour entry for <see cref="LocalIp"/>, so it sends without ARP. TX checksum offload is off on both
/// ends, because veth otherwise hands over frames whose TCP/UDP checksum is only partial (DESIGN.md §9).
/// </remarks>
public sealed partial class NetLab : IDisposable
{
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(30);
    private static readonly Lock SetupLock = new();
    private static readonly HashSet<NetLab> OpenLabs = [];
    private static int _counter = -1;

    private readonly string _ip;
    private readonly List<Socket> _peerSockets = [];
    private int _disposed;
    private readonly bool _staticNeighbour;

    static NetLab() => AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeOpenLabs();

    private NetLab(string ip, int counter, NetLabOptions options)
    {
        _ip = ip;
        int pid = Environment.ProcessId;
        Namespace = NetLabNames.Namespace(pid, counter);
        LocalInterface = NetLabNames.LocalLink(pid, counter);
        PeerInterface = NetLabNames.PeerLink(pid, counter);
        // One subnet per lab of this process, so labs used side by side are never confused in a test's output.
        byte subnet = (byte)(counter % 254 + 1);
        LocalIp = options.LocalIp ?? new Ipv4Address(10, 77, subnet, 1);
        PeerIp = options.PeerIp ?? new Ipv4Address(10, 77, subnet, 2);
        PrefixLength = options.PrefixLength;
        RxQueues = options.RxQueues;
        _staticNeighbour = options.StaticNeighbour;
        TxQueues = options.TxQueues;
    }

    /// <summary>The network namespace that holds the peer end (a name under /var/run/netns).</summary>
    public string Namespace { get; }

    /// <summary>The end in this process's namespace, where the port under test attaches.</summary>
    public string LocalInterface { get; }

    public int LocalIndex { get; private set; }

    public MacAddress LocalMac { get; private set; }

    /// <summary>The address the port under test answers to; not configured on any interface.</summary>
    public Ipv4Address LocalIp { get; }

    /// <summary>The end inside <see cref="Namespace"/>, owned by the kernel stack.</summary>
    public string PeerInterface { get; }

    public MacAddress PeerMac { get; private set; }

    public Ipv4Address PeerIp { get; }

    public int PrefixLength { get; }

    public int RxQueues { get; }

    public int TxQueues { get; }

    public IPEndPoint LocalEndPoint(int port) => new(ToIPAddress(LocalIp), port);

    public IPEndPoint PeerEndPoint(int port) => new(ToIPAddress(PeerIp), port);

    /// <summary>Builds a lab, or skips the test (fails when FASTPATH_REQUIRE_NETNS=1) without root or iproute2.</summary>
    public static NetLab Create(NetLabOptions? options = null)
    {
        options ??= new NetLabOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RxQueues, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TxQueues, 1, nameof(options));
        Requirements.Root();
        string ip = Requirements.Tool("ip", "iproute2");

        lock (SetupLock)
        {
            StaleLabSweep.Run(ip);
            var lab = new NetLab(ip, Interlocked.Increment(ref _counter), options);
            lock (OpenLabs) OpenLabs.Add(lab);
            try
            {
                lab.Build(options.Mtu);
            }
            catch
            {
                lab.Dispose();
                throw;
            }
            return lab;
        }
    }

    private void Build(int? mtu)
    {
        string[] queues = ["numtxqueues", Text(TxQueues), "numrxqueues", Text(RxQueues)];
        string[] mtuArguments = mtu is int value ? ["mtu", Text(value)] : [];
        Ip(["netns", "add", Namespace]);
        // The peer is created straight inside the namespace, so it never shows up in ours.
        Ip(["link", "add", "name", LocalInterface, .. mtuArguments, .. queues,
            "type", "veth", "peer", "name", PeerInterface, "netns", Namespace, .. mtuArguments, .. queues]);

        // Both ends are still down: IPv6 goes off before the first up, so not even one ND/MLD frame leaves.
        DisableIpv6(LocalInterface);
        Ethtool.WriteTxChecksum(LocalInterface, enabled: false);
        InNamespace(() =>
        {
            DisableIpv6(PeerInterface);
            Ethtool.WriteTxChecksum(PeerInterface, enabled: false);
        });

        (LocalIndex, LocalMac) = ReadLink(Ip(["-o", "link", "show", "dev", LocalInterface]).Output);
        (_, PeerMac) = ReadLink(Ip(["-n", Namespace, "-o", "link", "show", "dev", PeerInterface]).Output);

        Ip(["-n", Namespace, "link", "set", "dev", "lo", "up"]);
        Ip(["-n", Namespace, "address", "add", $"{PeerIp}/{Text(PrefixLength)}", "dev", PeerInterface]);
        if (_staticNeighbour)
            Ip(["-n", Namespace, "neigh", "replace", LocalIp.ToString(), "lladdr", LocalMac.ToString(), "dev", PeerInterface, "nud", "permanent"]);
        Ip(["-n", Namespace, "link", "set", "dev", PeerInterface, "up"]);
        Ip(["link", "set", "dev", LocalInterface, "up"]);
        WaitUntilOperationallyUp();
    }

    /// <summary>
    /// Waits until the kernel's linkwatch has marked both ends up. The end brought up first has no carrier
    /// yet, so its qdisc stays the noop one ("delay activation until next carrier-on event", dev_activate)
    /// until linkwatch runs, which it may put off for up to a second: until then every frame that end sends
    /// is dropped. operstate UP is set by the same linkwatch pass.
    /// </summary>
    private void WaitUntilOperationallyUp()
    {
        DateTime deadline = DateTime.UtcNow + SetupTimeout;
        while (!(IsUp(Ip(["-o", "link", "show", "dev", LocalInterface]).Output)
                 && IsUp(Ip(["-n", Namespace, "-o", "link", "show", "dev", PeerInterface]).Output)))
        {
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"NetLab: {LocalInterface} and {PeerInterface} were not both up within {SetupTimeout}");
            Thread.Sleep(20);
        }

        static bool IsUp(string link) => link.Contains(" state UP ", StringComparison.Ordinal);
    }

    /// <summary>Removes the namespace and both links. Never throws; what it cannot remove it reports on stderr.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        lock (OpenLabs) OpenLabs.Remove(this);
        try
        {
            lock (_peerSockets)
            {
                foreach (Socket socket in _peerSockets) socket.Dispose();
                _peerSockets.Clear();
            }

            // Deleting a veth end deletes the pair at once; deleting the namespace alone would free the peer
            // only when the namespace's last reference goes, which an open socket inside it can delay.
            CommandResult link = CommandRunner.Run(_ip, ["link", "delete", LocalInterface], SetupTimeout);
            if (!link.Succeeded && LinkExists(LocalInterface))
                Console.Error.WriteLine($"NetLab: could not delete {LocalInterface}: {link}");

            CommandResult ns = CommandRunner.Run(_ip, ["netns", "delete", Namespace], SetupTimeout);
            if (!ns.Succeeded && File.Exists(NamespacePath))
                Console.Error.WriteLine($"NetLab: could not delete namespace {Namespace}: {ns}");
        }
#pragma warning disable CA1031 // Dispose runs in finally blocks and at process exit: it reports, it must not throw.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"NetLab: cleanup of {Namespace} failed: {e}");
        }
    }

    public override string ToString() => $"{LocalInterface} ({LocalIp}) <-> {Namespace}/{PeerInterface} ({PeerIp})";

    private string NamespacePath => $"/var/run/netns/{Namespace}";

    private CommandResult Ip(IEnumerable<string> arguments) => CommandRunner.Check(_ip, arguments, SetupTimeout);

    private bool LinkExists(string name) => CommandRunner.Run(_ip, ["link", "show", "dev", name], SetupTimeout).Succeeded;

    private static void DisposeOpenLabs()
    {
        NetLab[] labs;
        lock (OpenLabs) labs = [.. OpenLabs];
        foreach (NetLab lab in labs) lab.Dispose();
    }

    /// <summary>Acts on the namespace of the calling thread: /proc/sys/net follows the thread, not the mount.</summary>
    private static void DisableIpv6(string interfaceName)
    {
        if (!Directory.Exists("/proc/sys/net/ipv6/conf")) return; // a kernel without IPv6 sends none
        File.WriteAllText($"/proc/sys/net/ipv6/conf/{interfaceName}/disable_ipv6", "1");
    }

    /// <summary>Index and MAC from one line of <c>ip -o link show</c>: "7: NAME@if6: &lt;...&gt; ... link/ether MAC brd ...".</summary>
    private static (int Index, MacAddress Mac) ReadLink(string line)
    {
        Match match = LinkLine().Match(line);
        if (!match.Success) throw new InvalidOperationException($"unexpected `ip -o link show` output: {line}");
        return (int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture), MacAddress.Parse(match.Groups[2].Value));
    }

    private static IPAddress ToIPAddress(Ipv4Address address)
    {
        Span<byte> bytes = stackalloc byte[Ipv4Address.Length];
        address.CopyTo(bytes);
        return new IPAddress(bytes);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(\d+):.*\slink/ether ([0-9a-f:]{17})\s", RegexOptions.Singleline)]
    private static partial Regex LinkLine();
}
