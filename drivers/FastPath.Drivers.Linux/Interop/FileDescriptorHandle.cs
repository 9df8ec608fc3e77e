using System.Runtime.InteropServices;

namespace FastPath.Drivers.Linux.Interop;

/// <summary>
/// Owns a file descriptor (a socket, or a BPF map, program or link). The kernel frees the object when its
/// last reference goes, so closing the fd (by Dispose, by the finalizer, or by the kernel when the process
/// dies) is the whole clean-up: for a BPF link, closing it detaches the program.
/// </summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle()
        : base(-1, ownsHandle: true)
    {
    }

    internal FileDescriptorHandle(int fd)
        : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    /// <summary>The fd, for passing to the kernel while this handle is alive.</summary>
    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
