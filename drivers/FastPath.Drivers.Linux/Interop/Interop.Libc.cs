using System.Runtime.InteropServices;

namespace FastPath.Drivers.Linux.Interop;

/// <summary>File-descriptor calls that are not socket-specific: close, poll, ioctl, if_nametoindex.</summary>
internal static unsafe partial class Libc
{
    internal const short POLLIN = 0x1;
    internal const short POLLOUT = 0x4;
    internal const short POLLERR = 0x8;

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        internal int Fd;
        internal short Events;
        internal short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    /// <summary>
    /// poll(2) for POLLIN on one fd: above 0 when readable, 0 on timeout or when a signal interrupted the
    /// wait (EINTR: the caller's loop simply polls again), -1 with errno otherwise.
    /// </summary>
    internal static int PollReadable(int fd, int timeoutMilliseconds)
    {
        var poll = new PollFd { Fd = fd, Events = POLLIN };
        int result = Poll(&poll, 1, timeoutMilliseconds);
        return result < 0 && Marshal.GetLastPInvokeError() == Errors.EINTR ? 0 : result;
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, nuint request, void* argument);

    /// <summary>Returns 0 (and sets errno ENODEV) when there is no such interface.</summary>
    [LibraryImport("libc", EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint InterfaceNameToIndex(string name);
}
