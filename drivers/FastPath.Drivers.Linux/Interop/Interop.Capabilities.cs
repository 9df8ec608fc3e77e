using System.Runtime.InteropServices;

namespace FastPath.Drivers.Linux.Interop;

/// <summary>capget(2): the calling thread's capability sets, read only to say which capability a refused call lacked.</summary>
internal static unsafe partial class Capabilities
{
    /// <summary>_LINUX_CAPABILITY_VERSION_3: two 32-bit words per set, for capabilities 0-63.</summary>
    internal const uint LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    internal const int CAP_NET_ADMIN = 12;
    internal const int CAP_NET_RAW = 13;
    internal const int CAP_IPC_LOCK = 14;
    internal const int CAP_SYS_ADMIN = 21;
    internal const int CAP_BPF = 39;

    [StructLayout(LayoutKind.Sequential)]
    internal struct UserHeader
    {
        internal uint Version;
        internal int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct UserData
    {
        internal uint Effective;
        internal uint Permitted;
        internal uint Inheritable;
    }

    [LibraryImport("libc", EntryPoint = "capget", SetLastError = true)]
    internal static partial int CapGet(UserHeader* header, UserData* data);

    /// <summary>The effective set as a 64-bit mask (bit n = capability n); all bits set when capget fails, so nothing is reported missing.</summary>
    internal static ulong Effective()
    {
        var header = new UserHeader { Version = LINUX_CAPABILITY_VERSION_3, Pid = 0 };
        UserData* data = stackalloc UserData[2];
        if (CapGet(&header, data) < 0) return ulong.MaxValue;
        return data[0].Effective | ((ulong)data[1].Effective << 32);
    }
}
