using System.Diagnostics;
using System.Text.Json;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.Drivers.Linux.AfXdp;
using FastPath.Drivers.Linux.Bpf;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.Faults;

/// <summary>The driver and mode a fault test runs on.</summary>
public enum FaultDriver
{
    AfXdpNative,
    AfXdpGeneric,
    AfPacket,
}

/// <summary>An interface's own counters (<c>ip -s -j link show</c>): what the kernel moved and dropped on it.</summary>
internal readonly record struct LinkCounters(long RxPackets, long RxDropped, long TxPackets, long TxDropped)
{
    public static LinkCounters operator -(LinkCounters after, LinkCounters before) =>
        new(after.RxPackets - before.RxPackets, after.RxDropped - before.RxDropped, after.TxPackets - before.TxPackets, after.TxDropped - before.TxDropped);
}

/// <summary>Ports, link changes, counters and loops the driver fault tests share.</summary>
internal static class FaultLab
{
    /// <summary>Bounds a wait for something that must happen; a hang guard, not a timing assertion.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>A port with small rings, so that a fault fills them with few frames.</summary>
    public static IPacketPort Open(FaultDriver driver, NetLab lab, int ringSize = 64, int frameCount = 512, int rxBlockCount = 64, int rxBlockSize = 256 * 1024) => driver switch
    {
        FaultDriver.AfPacket => AfPacketPort.Open(lab.LocalInterface, new AfPacketOptions
        {
            FrameCount = frameCount,
            TxFrameCount = ringSize,
            RxBlockCount = rxBlockCount,
            RxBlockSize = rxBlockSize,
        }),
        _ => AfXdpPort.Open(lab.LocalInterface, new AfXdpOptions
        {
            RingSize = ringSize,
            FrameCount = frameCount,
            Attach = driver == FaultDriver.AfXdpNative ? XdpAttachMode.Native : XdpAttachMode.Generic,
        }),
    };

    /// <summary><c>ip [-n NS] ARGS</c>; throws with the output when it fails.</summary>
    public static void Ip(params string[] arguments)
    {
        (int exit, string output) = Run(Requirements.Tool("ip", "iproute2"), arguments);
        if (exit != 0) throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed ({exit}): {output}");
    }

    public static void SetLink(string interfaceName, bool up) => Ip("link", "set", "dev", interfaceName, up ? "up" : "down");

    /// <summary>The interface's counters, in this namespace or in <paramref name="ns"/>.</summary>
    public static LinkCounters Counters(string interfaceName, string? ns = null)
    {
        string[] arguments = ns is null ? ["-s", "-j", "link", "show", "dev", interfaceName] : ["-n", ns, "-s", "-j", "link", "show", "dev", interfaceName];
        (int exit, string output) = Run(Requirements.Tool("ip", "iproute2"), arguments);
        if (exit != 0) throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed ({exit}): {output}");
        using var json = JsonDocument.Parse(output);
        JsonElement stats = json.RootElement[0].GetProperty("stats64");
        JsonElement rx = stats.GetProperty("rx");
        JsonElement tx = stats.GetProperty("tx");
        return new LinkCounters(rx.GetProperty("packets").GetInt64(), rx.GetProperty("dropped").GetInt64(), tx.GetProperty("packets").GetInt64(), tx.GetProperty("dropped").GetInt64());
    }

    public static LinkCounters PeerCounters(NetLab lab) => Counters(lab.PeerInterface, lab.Namespace);

    public static LinkCounters LocalCounters(NetLab lab) => Counters(lab.LocalInterface);

    public static bool LinkExists(string interfaceName, string? ns = null)
    {
        string[] arguments = ns is null ? ["link", "show", "dev", interfaceName] : ["-n", ns, "link", "show", "dev", interfaceName];
        return Run(Requirements.Tool("ip", "iproute2"), arguments).Exit == 0;
    }

    /// <summary>A UDP frame from the port's identity to the peer's kernel (a port nobody reads: only the interface counters matter).</summary>
    public static byte[] UdpToPeer(NetLab lab) =>
        TestFrames.Udp(new byte[18], 40000, 7999, source: lab.LocalIp, destination: lab.PeerIp, destinationMac: lab.PeerMac);

    /// <summary>Fills <paramref name="burst"/> from position <paramref name="from"/> with copies of <paramref name="frame"/>; returns the new count.</summary>
    public static int Stage(IPacketPort port, byte[] frame, Span<Packet> burst, int from, int limit)
    {
        int count = from;
        while (count < burst.Length && count < limit && port.Pool.TryAllocate(out Packet packet))
        {
            frame.CopyTo(port.Pool.Region.GetWritableSpan(packet));
            packet.Length = (ushort)frame.Length;
            burst[count++] = packet;
        }
        return count;
    }

    /// <summary>Frames the port itself holds for the kernel (AF_XDP's fill ring and unfinished TX); AF_PACKET copies, so none.</summary>
    public static int HeldByPort(IPacketPort port) => port is AfXdpPort xdp ? xdp.FillHeld + xdp.TxOutstanding : 0;

    /// <summary>Every frame is in the pool, or held by the port for the kernel, or by the application (<paramref name="applicationHeld"/>).</summary>
    public static void AssertPoolAccounts(IPacketPort port, int applicationHeld = 0) =>
        Assert.Equal(port.Pool.Capacity, port.Pool.Available + HeldByPort(port) + applicationHeld);

    /// <summary>Flushes until an AF_XDP port has no TX frame out (the kernel completed them all).</summary>
    public static void DrainTransmit(IPacketPort port)
    {
        var clock = Stopwatch.StartNew();
        while (port is AfXdpPort { TxOutstanding: > 0 } xdp)
        {
            port.Flush();
            if (clock.Elapsed > Patience) Assert.Fail($"{xdp.TxOutstanding} TX frames never completed");
            Thread.Sleep(1);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails with <paramref name="what"/> after <see cref="Patience"/>.</summary>
    public static void WaitUntil(Func<bool> condition, Func<string> what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Patience) Assert.Fail($"gave up waiting: {what()}");
            Thread.Sleep(5);
        }
    }

    /// <summary>Receives every waiting frame and frees it; returns how many came.</summary>
    public static int ReceiveAndFree(IPacketPort port, Span<Packet> burst)
    {
        int total = 0;
        int received;
        while ((received = port.Receive(burst)) > 0)
        {
            port.Pool.Free(burst[..received]);
            total += received;
        }
        return total;
    }

    /// <summary>The process's open BPF objects (programs, maps, links): each port's are closed once it is disposed.</summary>
    public static int OpenBpfObjects() =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Count(fd =>
        {
            try
            {
                return fd.LinkTarget?.StartsWith("anon_inode:bpf", StringComparison.Ordinal) == true;
            }
            catch (IOException)
            {
                return false; // an fd closed while we looked
            }
        });

    public static void Log(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    private static (int Exit, string Output) Run(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(Patience)) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return (process.ExitCode, output + error.GetAwaiter().GetResult());
    }
}

/// <summary>The fault tests take links down and delete them: one at a time, apart from the rest.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DriverFaultCollection
{
    public const string Name = "driver faults";
}
