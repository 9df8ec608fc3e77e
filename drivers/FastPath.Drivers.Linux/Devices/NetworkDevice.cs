using FastPath.Drivers.Linux.Interop;
using FastPath.Wire.Ethernet;

namespace FastPath.Drivers.Linux.Devices;

/// <summary>
/// A network interface as the calling thread's network namespace sees it: index, MAC, MTU and queue counts.
/// Read with ioctls rather than /sys/class/net, because sysfs shows the namespace it was mounted in, not the
/// one a thread entered with setns.
/// </summary>
public sealed record NetworkDevice(string Name, int Index, MacAddress Mac, int Mtu, int RxQueues, int TxQueues, bool IsLoopback, bool IsUp)
{
    /// <summary>Looks the interface up; throws <see cref="IOException"/> with a one-line reason when it does not exist.</summary>
    public static NetworkDevice Find(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length >= Ioctl.InterfaceNameSize || name.Contains('/', StringComparison.Ordinal))
            throw new IOException($"'{name}' is not a valid interface name");
        uint index = Libc.InterfaceNameToIndex(name);
        if (index == 0) throw new IOException($"no interface named '{name}'");

        var request = Ioctl.InterfaceRequest.For(name);
        ThrowIfFailed(Ioctl.Run(Ioctl.SIOCGIFHWADDR, ref request), "ioctl(SIOCGIFHWADDR)");
        MacAddress mac = ReadMac(ref request);

        request = Ioctl.InterfaceRequest.For(name);
        ThrowIfFailed(Ioctl.Run(Ioctl.SIOCGIFMTU, ref request), "ioctl(SIOCGIFMTU)");
        int mtu = request.Mtu;

        request = Ioctl.InterfaceRequest.For(name);
        ThrowIfFailed(Ioctl.Run(Ioctl.SIOCGIFFLAGS, ref request), "ioctl(SIOCGIFFLAGS)");
        short flags = request.Flags;

        (int rx, int tx) = ReadQueueCounts(name);
        return new NetworkDevice(name, (int)index, mac, mtu, rx, tx, (flags & Ioctl.IFF_LOOPBACK) != 0, (flags & Ioctl.IFF_UP) != 0);
    }

    private static unsafe MacAddress ReadMac(ref Ioctl.InterfaceRequest request)
    {
        fixed (byte* address = request.HardwareAddress)
            return new MacAddress(new ReadOnlySpan<byte>(address, 6));
    }

    /// <summary>
    /// Queue counts from ETHTOOL_GCHANNELS (combined counts as veth and most NICs report them); a device
    /// without the ethtool operation (loopback, tunnels) has one queue each way.
    /// </summary>
    private static unsafe (int Rx, int Tx) ReadQueueCounts(string name)
    {
        var channels = new Ioctl.EthtoolChannels { Command = Ioctl.ETHTOOL_GCHANNELS };
        var request = Ioctl.InterfaceRequest.For(name);
        request.Data = &channels;
        if (Ioctl.Run(Ioctl.SIOCETHTOOL, ref request) < 0) return (1, 1);
        int rx = (int)Math.Max(channels.RxCount + channels.CombinedCount, 1);
        int tx = (int)Math.Max(channels.TxCount + channels.CombinedCount, 1);
        return (rx, tx);
    }

    private static void ThrowIfFailed(int result, string syscall)
    {
        if (result < 0) Errors.Throw(syscall, -result);
    }
}
