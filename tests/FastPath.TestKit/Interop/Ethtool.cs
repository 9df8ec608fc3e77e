using System.Runtime.InteropServices;
using System.Text;

namespace FastPath.TestKit.Interop;

/// <summary>
/// Legacy SIOCETHTOOL get/set of TX checksum offload (linux/ethtool.h: ETHTOOL_GTXCSUM 0x16,
/// ETHTOOL_STXCSUM 0x17 with struct ethtool_value), what <c>ethtool -K IF tx on|off</c> does. Acts on the
/// interface in the calling thread's network namespace, because the socket is created there.
/// </summary>
internal static class Ethtool
{
    private const uint GetTxChecksum = 0x16;
    private const uint SetTxChecksum = 0x17;
    private const int InterfaceNameSize = 16;

    [StructLayout(LayoutKind.Sequential)]
    private struct EthtoolValue
    {
        public uint Command;
        public uint Data;
    }

    /// <summary>struct ifreq: the name, then the union whose ifr_data points at the ethtool command (40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    private unsafe struct InterfaceRequest
    {
        public fixed byte Name[InterfaceNameSize];
        public void* Data;
    }

    public static bool ReadTxChecksum(string interfaceName) => Call(interfaceName, GetTxChecksum, 0) != 0;

    public static void WriteTxChecksum(string interfaceName, bool enabled) => Call(interfaceName, SetTxChecksum, enabled ? 1u : 0u);

    private static unsafe uint Call(string interfaceName, uint command, uint data)
    {
        if (Encoding.ASCII.GetByteCount(interfaceName) >= InterfaceNameSize)
            throw new ArgumentException($"interface name '{interfaceName}' is longer than IFNAMSIZ-1", nameof(interfaceName));

        int fd = Libc.Socket(Libc.AfInet, Libc.SockDgram | Libc.SockCloexec, 0);
        if (fd < 0) throw new IOException($"socket(AF_INET, SOCK_DGRAM) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            var value = new EthtoolValue { Command = command, Data = data };
            var request = default(InterfaceRequest);
            Encoding.ASCII.GetBytes(interfaceName, new Span<byte>(request.Name, InterfaceNameSize));
            request.Data = &value;
            if (Libc.Ioctl(fd, Libc.SiocEthtool, &request) < 0)
                throw new IOException($"SIOCETHTOOL 0x{command:x} on {interfaceName} failed: errno {Marshal.GetLastPInvokeError()}");
            return value.Data;
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
