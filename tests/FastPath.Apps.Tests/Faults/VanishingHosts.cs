using System.Diagnostics;
using System.Globalization;
using FastPath.TestKit;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Tests.Faults;

/// <summary>
/// Kernel hosts that can vanish without taking FastPath's link with them: a bridge in the lab's peer
/// namespace holds the lab's peer end and one veth per host, each host a namespace of its own on the lab's
/// subnet (addresses .3, .4, ...). <see cref="Vanish"/> deletes a host's link on the bridge first (so not a
/// FIN or RST leaves it), then the namespace: the host is gone mid-connection while the lab's veth, and
/// FastPath's port on it, stay up. Names follow NetLab's, so a killed run's leftovers are swept.
/// </summary>
internal sealed class VanishingHosts : IDisposable
{
    private static int _counter;
    private readonly string _ip;
    private readonly NetLab _lab;
    private readonly List<Host> _hosts = [];

    public VanishingHosts(NetLab lab, int count)
    {
        _lab = lab;
        _ip = Requirements.Tool("ip", "iproute2");
        string ethtool = Requirements.Tool("ethtool", "ethtool");
        int pid = Environment.ProcessId;
        Span<byte> octets = stackalloc byte[4];
        lab.PeerIp.CopyTo(octets);
        try
        {
            Ip("-n", lab.Namespace, "link", "add", "br0", "type", "bridge");
            Ip("-n", lab.Namespace, "link", "set", lab.PeerInterface, "master", "br0");
            Ip("-n", lab.Namespace, "link", "set", "br0", "up");
            for (int i = 0; i < count; i++)
            {
                int number = 8000 + (Interlocked.Increment(ref _counter) % 1000);
                var host = new Host(
                    string.Create(CultureInfo.InvariantCulture, $"fastpath-{pid}-{number}"),
                    string.Create(CultureInfo.InvariantCulture, $"fp{pid}-{number}a"),
                    new Ipv4Address(octets[0], octets[1], octets[2], (byte)(3 + i)));
                _hosts.Add(host);
                string hostSide = string.Create(CultureInfo.InvariantCulture, $"fp{pid}-{number}b");
                Ip("netns", "add", host.Namespace);
                Ip("-n", lab.Namespace, "link", "add", host.BridgeSide, "type", "veth", "peer", "name", hostSide, "netns", host.Namespace);
                Ip("-n", lab.Namespace, "link", "set", host.BridgeSide, "master", "br0");
                Ip("-n", lab.Namespace, "link", "set", host.BridgeSide, "up");
                // Complete checksums from this host too: FastPath verifies every one.
                Run(_ip, ["netns", "exec", host.Namespace, ethtool, "-K", hostSide, "tx", "off"]);
                Ip("-n", host.Namespace, "link", "set", "lo", "up");
                Ip("-n", host.Namespace, "address", "add", $"{host.Address}/{lab.PrefixLength.ToString(CultureInfo.InvariantCulture)}", "dev", hostSide);
                Ip("-n", host.Namespace, "link", "set", hostSide, "up");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<Host> Hosts => _hosts;

    /// <summary>The host's link on the bridge goes first (nothing its sockets send can leave), then its namespace.</summary>
    public void Vanish(Host host)
    {
        if (host.Gone) return;
        host.Gone = true;
        Quiet("-n", _lab.Namespace, "link", "delete", host.BridgeSide);
        Quiet("netns", "delete", host.Namespace);
    }

    public void Dispose()
    {
        foreach (Host host in _hosts) Vanish(host);
    }

    private void Ip(params string[] arguments) => Run(_ip, arguments);

    private static void Run(string file, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), $"{file} {string.Join(' ', arguments)} did not finish");
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed: {error.Result}");
    }

    private void Quiet(params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(_ip, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        process.StandardError.ReadToEnd();
        process.WaitForExit(30_000);
    }

    /// <summary>One host: its namespace, its link on the bridge and its address.</summary>
    internal sealed class Host(string ns, string bridgeSide, Ipv4Address address)
    {
        public string Namespace { get; } = ns;

        public string BridgeSide { get; } = bridgeSide;

        public Ipv4Address Address { get; } = address;

        public bool Gone { get; set; }
    }
}
