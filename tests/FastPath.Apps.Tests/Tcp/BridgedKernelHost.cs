using System.Diagnostics;
using System.Globalization;
using FastPath.TestKit;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Tests.Tcp;

/// <summary>
/// A kernel host that can vanish without taking FastPath's link with it: a third namespace joined to the
/// lab's peer namespace by its own veth pair, bridged there with the lab's peer end, on the lab's subnet
/// (address .3). <see cref="Vanish"/> deletes that namespace and its link, so the host stops answering
/// without sending a FIN or RST, while the lab's veth (and FastPath's port on it) stays up. Deleting the
/// lab's own namespace would delete the lab's veth pair, and with it the interface FastPath runs on.
/// </summary>
internal sealed class BridgedKernelHost : IDisposable
{
    private static int _counter;
    private readonly string _ip;
    private readonly NetLab _lab;
    private readonly string _bridgeSide;
    private readonly List<Process> _processes = [];
    private bool _gone;

    public BridgedKernelHost(NetLab lab)
    {
        _lab = lab;
        _ip = Requirements.Tool("ip", "iproute2");
        int pid = Environment.ProcessId;
        int number = 9000 + Interlocked.Increment(ref _counter) % 1000;
        // NetLab's naming, so a killed run's leftovers are swept by the next NetLab.Create.
        Namespace = $"fastpath-{pid}-{number}";
        _bridgeSide = $"fp{pid}-{number}a";
        string hostSide = $"fp{pid}-{number}b";
        Span<byte> octets = stackalloc byte[4];
        lab.PeerIp.CopyTo(octets);
        Address = new Ipv4Address(octets[0], octets[1], octets[2], 3);
        try
        {
            Ip("netns", "add", Namespace);
            Ip("-n", lab.Namespace, "link", "add", "br0", "type", "bridge");
            Ip("-n", lab.Namespace, "link", "set", lab.PeerInterface, "master", "br0");
            Ip("-n", lab.Namespace, "link", "add", _bridgeSide, "type", "veth", "peer", "name", hostSide, "netns", Namespace);
            Ip("-n", lab.Namespace, "link", "set", _bridgeSide, "master", "br0");
            Ip("-n", lab.Namespace, "link", "set", _bridgeSide, "up");
            Ip("-n", lab.Namespace, "link", "set", "br0", "up");
            // Complete checksums (and so no TSO) from this host too: FastPath verifies every checksum.
            Run(Requirements.Tool("ethtool", "ethtool"), ["-K", hostSide, "tx", "off"], inNamespace: true);
            Ip("-n", Namespace, "link", "set", "lo", "up");
            Ip("-n", Namespace, "address", "add", $"{Address}/{lab.PrefixLength.ToString(CultureInfo.InvariantCulture)}", "dev", hostSide);
            Ip("-n", Namespace, "link", "set", hostSide, "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Namespace { get; }

    public Ipv4Address Address { get; }

    /// <summary>A program in this host's namespace, stdin and stdout piped, killed on <see cref="Vanish"/>.</summary>
    public Process Start(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(_ip)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["netns", "exec", Namespace, file, .. arguments]) start.ArgumentList.Add(argument);
        Process process = Process.Start(start)!;
        _processes.Add(process);
        return process;
    }

    /// <summary>The link goes first (nothing the dying processes send can leave), then the processes, then the namespace.</summary>
    public void Vanish()
    {
        if (_gone) return;
        _gone = true;
        Quiet("-n", _lab.Namespace, "link", "delete", _bridgeSide);
        foreach (Process process in _processes)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
            process.Dispose();
        }
        _processes.Clear();
        Quiet("netns", "delete", Namespace);
    }

    public void Dispose() => Vanish();

    private void Ip(params string[] arguments) => Run(_ip, arguments, inNamespace: false);

    private void Run(string file, string[] arguments, bool inNamespace)
    {
        string[] all = inNamespace ? ["netns", "exec", Namespace, file, .. arguments] : arguments;
        using var process = Process.Start(new ProcessStartInfo(inNamespace ? _ip : file, all)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), $"{file} {string.Join(' ', all)} did not finish");
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', all)} failed: {error}");
    }

    private void Quiet(params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(_ip, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        process.StandardError.ReadToEnd();
        process.WaitForExit(30_000);
    }
}
