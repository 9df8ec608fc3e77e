using System.Runtime.InteropServices;
using FastPath.Drivers.Linux.Interop;

namespace FastPath.Drivers.Linux.AfXdp;

/// <summary>Owns an AF_XDP socket fd; the finalizer closes it if nothing else did.</summary>
internal sealed class XskSocketHandle : SafeHandle
{
    public XskSocketHandle()
        : base(-1, ownsHandle: true)
    {
    }

    internal XskSocketHandle(int fd)
        : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
