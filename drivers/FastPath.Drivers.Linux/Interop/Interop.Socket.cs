using System.Runtime.InteropServices;

namespace FastPath.Drivers.Linux.Interop;

/// <summary>socket(2) and the calls on socket descriptors that the drivers use. Raw results: -1 and errno.</summary>
internal static unsafe partial class Socket
{
    internal const int AF_INET = 2;
    internal const int AF_PACKET = 17;
    internal const int AF_XDP = 44;

    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int SOCK_NONBLOCK = 0x800;

    internal const int SOL_SOCKET = 1;
    internal const int SOL_PACKET = 263;
    internal const int SOL_XDP = 283;

    internal const int SO_ERROR = 4;
    internal const int SO_RCVBUF = 8;
    internal const int SO_SNDBUF = 7;
    internal const int SO_BUSY_POLL = 46;
    internal const int SO_PREFER_BUSY_POLL = 69;
    internal const int SO_BUSY_POLL_BUDGET = 70;

    internal const int MSG_DONTWAIT = 0x40;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    internal static partial int Create(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(int fd, void* address, uint addressLength);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetOption(int fd, int level, int name, void* value, uint valueLength);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    internal static partial int GetOption(int fd, int level, int name, void* value, uint* valueLength);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    internal static partial nint SendTo(int fd, void* buffer, nuint length, int flags, void* address, uint addressLength);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    internal static partial nint ReceiveFrom(int fd, void* buffer, nuint length, int flags, void* address, uint* addressLength);

    /// <summary>setsockopt with a value struct, throwing with the option's name on failure.</summary>
    internal static void SetOption<T>(int fd, int level, int name, in T value, string optionName)
        where T : unmanaged
    {
        fixed (T* pointer = &value)
        {
            if (SetOption(fd, level, name, pointer, (uint)sizeof(T)) < 0)
                Errors.ThrowLast($"setsockopt({optionName})");
        }
    }

    /// <summary>getsockopt into a value struct, throwing with the option's name on failure; returns the length the kernel wrote.</summary>
    internal static int GetOption<T>(int fd, int level, int name, out T value, string optionName)
        where T : unmanaged
    {
        value = default;
        uint length = (uint)sizeof(T);
        fixed (T* pointer = &value)
        {
            if (GetOption(fd, level, name, pointer, &length) < 0)
                Errors.ThrowLast($"getsockopt({optionName})");
        }
        return (int)length;
    }
}
