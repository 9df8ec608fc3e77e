using System.Runtime.InteropServices;

namespace FastPath.TestKit.Interop;

/// <summary>
/// The few libc calls NetLab needs (entering a namespace, the ethtool ioctl). The drivers keep their own
/// interop; a test helper must not depend on the code it tests.
/// </summary>
internal static partial class Libc
{
    public const int ORdOnly = 0x0;
    public const int OCloexec = 0x80000;
    public const int CloneNewNet = 0x40000000;
    public const int AfInet = 2;
    public const int SockDgram = 2;
    public const int SockCloexec = 0x80000;
    public const nuint SiocEthtool = 0x8946;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int Setns(int fd, int nsType);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static unsafe partial int Ioctl(int fd, nuint request, void* argument);
}
