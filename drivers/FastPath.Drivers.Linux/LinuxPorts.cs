using FastPath.Drivers.Linux.AfPacket;
using FastPath.Drivers.Linux.AfXdp;
using FastPath.Drivers.Linux.Devices;
using FastPath.Engine.Ports;

namespace FastPath.Drivers.Linux;

/// <summary>Which kernel interface a port uses.</summary>
public enum PortDriver
{
    /// <summary>AF_XDP where a program can be attached and a socket bound, AF_PACKET otherwise.</summary>
    Auto,
    AfXdp,
    AfPacket,
}

/// <summary>What to open: an interface queue, the driver, and what a worker group needs to share it.</summary>
/// <param name="Interface">Interface name, as the calling thread's network namespace sees it.</param>
/// <param name="Driver">The driver to use, or Auto.</param>
/// <param name="Queue">The queue (AF_XDP binds one socket per queue; AF_PACKET records it as the worker index).</param>
public sealed record PortRequest(string Interface, PortDriver Driver, int Queue = 0)
{
    /// <summary>AF_PACKET: join this fanout group (hash), so that workers with one socket each share the interface's traffic.</summary>
    public int? FanoutGroup { get; init; }

    /// <summary>Receive frames for any destination MAC, not only the interface's, broadcast and joined groups.</summary>
    public bool Promiscuous { get; init; }

    /// <summary>
    /// Size for a receiver that must absorb bursts: the kernel may deliver thousands of frames at once when
    /// its softirq work was deferred to ksoftirqd (a busy machine), and AF_XDP drops whatever finds the fill
    /// ring empty. 16384 frames (32 MiB) and 8192-entry rings measured loss-free on the veth lab.
    /// </summary>
    public bool LargeReceiveRings { get; init; }
}

/// <summary>An opened port, and why Auto did not pick AF_XDP (null when it did, or when no choice was made).</summary>
public sealed record OpenedPort(IPacketPort Port, string? FallbackReason);

/// <summary>Opens ports on Linux interfaces, choosing the driver for <see cref="PortDriver.Auto"/>.</summary>
public static class LinuxPorts
{
    /// <summary>
    /// Opens the port. The interface is looked up first, so a missing one is reported as such rather than as
    /// a driver failure; with Auto, any failure to attach AF_XDP (no CAP_BPF, no XDP support, a program
    /// already attached) falls back to AF_PACKET and says why.
    /// </summary>
    public static OpenedPort Open(PortRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        NetworkDevice device = NetworkDevice.Find(request.Interface);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Queue);
        switch (request.Driver)
        {
            case PortDriver.AfXdp:
                return new OpenedPort(OpenAfXdp(request, device), null);
            case PortDriver.AfPacket:
                return new OpenedPort(OpenAfPacket(request), null);
            default:
                try
                {
                    return new OpenedPort(OpenAfXdp(request, device), null);
                }
                catch (IOException e)
                {
                    return new OpenedPort(OpenAfPacket(request), e.Message);
                }
        }
    }

    private static AfXdpPort OpenAfXdp(PortRequest request, NetworkDevice device)
    {
        // AF_XDP binds to one hardware queue; AF_PACKET sees the whole interface, so only AF_XDP needs the queue to exist.
        if (request.Queue >= device.RxQueues)
            throw new IOException($"{device.Name} has {device.RxQueues} receive queue(s); AF_XDP cannot bind queue {request.Queue}");
        var options = new AfXdpOptions { Queue = request.Queue };
        if (request.LargeReceiveRings) options = options with { RingSize = 8192, FrameCount = 16384 };
        return AfXdpPort.Open(request.Interface, options);
    }

    private static AfPacketPort OpenAfPacket(PortRequest request) =>
        AfPacketPort.Open(request.Interface, new AfPacketOptions
        {
            Queue = request.Queue,
            FanoutGroup = request.FanoutGroup,
            Promiscuous = request.Promiscuous,
            FrameCount = request.LargeReceiveRings ? 16384 : new AfPacketOptions().FrameCount,
        });
}
