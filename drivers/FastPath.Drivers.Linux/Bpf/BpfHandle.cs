using System.Runtime.InteropServices;
using FastPath.Drivers.Linux.Interop;

namespace FastPath.Drivers.Linux.Bpf;

/// <summary>
/// Owns the fd of a BPF object (map, program or link). The kernel frees the object when its last reference
/// goes, so closing the fd (here, or by the finalizer, or by the kernel when the process dies) is the whole
/// clean-up: for a link, closing it detaches the program.
/// </summary>
internal sealed class BpfHandle : SafeHandle
{
    public BpfHandle()
        : base(-1, ownsHandle: true)
    {
    }

    internal BpfHandle(int fd)
        : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    /// <summary>The fd, for passing to the kernel while this handle is alive.</summary>
    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
