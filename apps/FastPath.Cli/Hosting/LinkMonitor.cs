using System.Globalization;
using FastPath.Engine.Ports;

namespace FastPath.Cli.Hosting;

/// <summary>
/// Looks at the ports' links once a second on a thread of its own (as <see cref="ProgressReporter"/> does for
/// counters: never on a worker's path) and says on stderr when one goes down and when it is back:
/// <c>fastpath: link veth0 down</c>, <c>fastpath: link veth0 up again after 2.1 s</c>. The command keeps
/// running meanwhile. A link that is gone is not reported here: the port throws
/// <see cref="Drivers.Linux.Devices.LinkGoneException"/> and the command ends with that one line.
/// </summary>
/// <remarks>
/// One monitor per process, started by the first port <see cref="WorkerPorts"/> opens. Ports are held weakly:
/// a port is forgotten once nothing else holds it (its <see cref="WorkerPorts"/>, which keeps every port it
/// opened for the stats reporter, included), and a disposed port's link no longer
/// changes (it answers from its last look), so the thread says nothing once a command is over.
/// </remarks>
internal sealed class LinkMonitor
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly Lazy<LinkMonitor> Shared = new(() => new LinkMonitor(Console.Error));

    private readonly TextWriter _output;
    private readonly List<Watched> _ports = [];
    private Thread? _thread;

    internal LinkMonitor(TextWriter output) => _output = output;

    /// <summary>Watches <paramref name="port"/> from now on (the process-wide monitor).</summary>
    public static void Watch(IPacketPort port) => Shared.Value.Add(port);

    internal void Add(IPacketPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        lock (_ports)
        {
            _ports.Add(new Watched(new WeakReference<IPacketPort>(port), port.Info.Name, port.Link));
            if (_thread != null) return;
            _thread = new Thread(Run) { IsBackground = true, Name = "fastpath link monitor" };
            _thread.Start();
        }
    }

    private void Run()
    {
        while (true)
        {
            Thread.Sleep(Interval);
            Sample();
        }
    }

    /// <summary>One look at every port; internal so a test can drive it without waiting a second.</summary>
    internal void Sample()
    {
        Watched[] ports;
        lock (_ports)
        {
            _ports.RemoveAll(watched => !watched.Port.TryGetTarget(out _));
            ports = [.. _ports];
        }
        // Several queues of one interface share its link: one line for the interface.
        var said = new HashSet<string>(StringComparer.Ordinal);
        foreach (Watched watched in ports)
        {
            if (!watched.Port.TryGetTarget(out IPacketPort? port)) continue;
            PortLink now = port.CheckLink();
            PortLink before = watched.Last;
            watched.Last = now;
            if (!said.Add(watched.Name)) continue;
            foreach (string line in Describe(watched.Name, before, now)) _output.WriteLine(line);
        }
    }

    /// <summary>The lines a change from <paramref name="before"/> to <paramref name="now"/> deserves (none for no change or for gone).</summary>
    internal static IEnumerable<string> Describe(string name, PortLink before, PortLink now)
    {
        if (now.State == LinkState.Gone) yield break;
        bool wentDown = now.Downs > before.Downs;
        if (wentDown) yield return $"fastpath: link {name} down";
        if (now.State == LinkState.Up && now.Downs > 0 && (wentDown || before.State == LinkState.Down))
            yield return string.Create(CultureInfo.InvariantCulture, $"fastpath: link {name} up again after {now.LastOutage.TotalSeconds:F1} s");
    }

    private sealed class Watched(WeakReference<IPacketPort> port, string name, PortLink last)
    {
        public WeakReference<IPacketPort> Port { get; } = port;
        public string Name { get; } = name;
        public PortLink Last { get; set; } = last;
    }
}
