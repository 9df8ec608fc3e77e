using System.Runtime.InteropServices;

namespace FastPath.Drivers.Linux.Interop;

/// <summary>
/// Interface ioctls (linux/sockios.h, linux/if.h, linux/ethtool.h): the MAC, the MTU, flags and the channel
/// (queue) counts. They take a <see cref="InterfaceRequest"/> on any AF_INET datagram socket.
/// </summary>
internal static unsafe class Ioctl
{
    internal const uint SIOCGIFFLAGS = 0x8913;
    internal const uint SIOCSIFFLAGS = 0x8914;
    internal const uint SIOCGIFMTU = 0x8921;
    internal const uint SIOCGIFINDEX = 0x8933;
    internal const uint SIOCGIFHWADDR = 0x8927;
    internal const uint SIOCETHTOOL = 0x8946;

    internal const short IFF_UP = 0x1;
    internal const short IFF_LOOPBACK = 0x8;
    /// <summary>Operationally up: IFF_UP and carrier (netif_oper_up), as the kernel reports it in SIOCGIFFLAGS.</summary>
    internal const short IFF_RUNNING = 0x40;
    internal const short IFF_PROMISC = 0x100;

    /// <summary>Link detected: ethtool_op_get_link answers netif_carrier_ok, without linkwatch's delay; no privilege needed.</summary>
    internal const uint ETHTOOL_GLINK = 0xa;
    internal const uint ETHTOOL_GCHANNELS = 0x3c;
    internal const uint ETHTOOL_GTXCSUM = 0x16;
    internal const uint ETHTOOL_STXCSUM = 0x17;

    internal const int InterfaceNameSize = 16;

    /// <summary>struct ifreq: a 16-byte name and a 24-byte union (address, flags, MTU or a data pointer).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 40)]
    internal struct InterfaceRequest
    {
        [FieldOffset(0)] internal fixed byte Name[InterfaceNameSize];
        /// <summary>ifr_hwaddr: sa_family (2 bytes), then sa_data whose first 6 bytes are the MAC.</summary>
        [FieldOffset(16)] internal ushort HardwareFamily;
        [FieldOffset(18)] internal fixed byte HardwareAddress[14];
        [FieldOffset(16)] internal short Flags;
        [FieldOffset(16)] internal int Mtu;
        [FieldOffset(16)] internal int Index;
        [FieldOffset(16)] internal void* Data;

        internal static InterfaceRequest For(string interfaceName)
        {
            var request = default(InterfaceRequest);
            int length = System.Text.Encoding.UTF8.GetBytes(interfaceName, new Span<byte>(request.Name, InterfaceNameSize - 1));
            request.Name[length] = 0;
            return request;
        }
    }

    /// <summary>struct ethtool_channels (ETHTOOL_GCHANNELS).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct EthtoolChannels
    {
        internal uint Command;
        internal uint MaxRx;
        internal uint MaxTx;
        internal uint MaxOther;
        internal uint MaxCombined;
        internal uint RxCount;
        internal uint TxCount;
        internal uint OtherCount;
        internal uint CombinedCount;
    }

    /// <summary>struct ethtool_value: a command and one 32-bit value.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct EthtoolValue
    {
        internal uint Command;
        internal uint Data;
    }

    /// <summary>
    /// Runs an interface ioctl on <paramref name="fd"/>, a socket the caller keeps (the ioctl answers for the
    /// socket's network namespace, whatever thread asks); returns 0 or -errno.
    /// </summary>
    internal static int RunOn(int fd, uint request, ref InterfaceRequest interfaceRequest)
    {
        fixed (InterfaceRequest* pointer = &interfaceRequest)
            return Libc.Ioctl(fd, request, pointer) < 0 ? -Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>Runs an interface ioctl on a throwaway AF_INET socket; returns 0 or -errno.</summary>
    internal static int Run(uint request, ref InterfaceRequest interfaceRequest)
    {
        int fd = Socket.Create(Socket.AF_INET, Socket.SOCK_DGRAM | Socket.SOCK_CLOEXEC, 0);
        if (fd < 0) return -Marshal.GetLastPInvokeError();
        try
        {
            return RunOn(fd, request, ref interfaceRequest);
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
