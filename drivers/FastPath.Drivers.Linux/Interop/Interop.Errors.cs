using System.Runtime.InteropServices;

namespace FastPath.Drivers.Linux.Interop;

/// <summary>
/// The boundary between errno codes and exceptions: syscalls return -1 and leave errno; the caller turns that
/// into a <see cref="SyscallException"/> naming the call and the errno, the way .NET's own Interop does.
/// </summary>
internal static class Errors
{
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int ENXIO = 6;
    internal const int E2BIG = 7;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EACCES = 13;
    internal const int EFAULT = 14;
    internal const int EBUSY = 16;
    internal const int EEXIST = 17;
    internal const int ENODEV = 19;
    internal const int EINVAL = 22;
    internal const int ENOSPC = 28;
    internal const int ENOSYS = 38;
    internal const int ENOTSUP = 95;
    internal const int EOPNOTSUPP = 95;
    internal const int EPROTONOSUPPORT = 93;
    internal const int EAFNOSUPPORT = 97;
    internal const int EADDRINUSE = 98;
    internal const int ENETDOWN = 100;
    internal const int ENOBUFS = 105;

    /// <summary>The symbolic name of an errno value ("EINVAL"), or its number when it is not a common one.</summary>
    internal static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        ENXIO => "ENXIO",
        E2BIG => "E2BIG",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EFAULT => "EFAULT",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENOSPC => "ENOSPC",
        ENOSYS => "ENOSYS",
        EOPNOTSUPP => "EOPNOTSUPP",
        EPROTONOSUPPORT => "EPROTONOSUPPORT",
        EAFNOSUPPORT => "EAFNOSUPPORT",
        EADDRINUSE => "EADDRINUSE",
        ENETDOWN => "ENETDOWN",
        ENOBUFS => "ENOBUFS",
        _ => $"errno {errno}",
    };

    /// <summary>Throws for the errno the last P/Invoke left; never returns (kept out of line so hot callers stay small).</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal static void ThrowLast(string syscall) => throw new SyscallException(syscall, Marshal.GetLastPInvokeError());

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    internal static void Throw(string syscall, int errno) => throw new SyscallException(syscall, errno);

    /// <summary>Throws when <paramref name="result"/> is negative (the -1 + errno convention).</summary>
    internal static int ThrowIfFailed(int result, string syscall)
    {
        if (result < 0) ThrowLast(syscall);
        return result;
    }

    internal static long ThrowIfFailed(long result, string syscall)
    {
        if (result < 0) ThrowLast(syscall);
        return result;
    }
}

/// <summary>A system call failed. The message names the call and the errno, e.g. "bind(AF_XDP) failed: EBUSY (Device or resource busy)".</summary>
public sealed class SyscallException : IOException
{
    internal SyscallException(string syscall, int errno)
        : base($"{syscall} failed: {Errors.Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})", errno)
    {
        Syscall = syscall;
        Errno = errno;
    }

    /// <summary>The call that failed, with the detail that tells which use of it ("setsockopt(XDP_UMEM_REG)").</summary>
    public string Syscall { get; }

    /// <summary>The errno value the kernel returned.</summary>
    public int Errno { get; }
}
