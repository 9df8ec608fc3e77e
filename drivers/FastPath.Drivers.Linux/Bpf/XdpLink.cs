using System.Runtime.InteropServices;
using FastPath.Drivers.Linux.Interop;

namespace FastPath.Drivers.Linux.Bpf;

/// <summary>
/// An XDP program attached to an interface through a BPF link (BPF_LINK_CREATE, Linux 5.9+). The link
/// lives exactly as long as its fd: disposing it, or the process dying for any reason, detaches the
/// program, so nothing is left behind on the interface.
/// </summary>
internal sealed unsafe class XdpLink : IDisposable
{
    private readonly FileDescriptorHandle _handle;

    private XdpLink(FileDescriptorHandle handle, int interfaceIndex, XdpAttachMode mode)
    {
        _handle = handle;
        InterfaceIndex = interfaceIndex;
        Mode = mode;
    }

    public int InterfaceIndex { get; }

    /// <summary>The mode the program runs in: <see cref="XdpAttachMode.Native"/> or <see cref="XdpAttachMode.Generic"/>.</summary>
    public XdpAttachMode Mode { get; }

    /// <summary>
    /// Attaches <paramref name="program"/> to the interface. Auto tries native mode and falls back to
    /// generic when the driver refuses native; errors that another mode would not fix (the interface
    /// already has a program, no permission) are reported as they are.
    /// </summary>
    public static XdpLink Attach(BpfProgram program, int interfaceIndex, string interfaceName, XdpAttachMode mode)
    {
        if (mode != XdpAttachMode.Generic)
        {
            int fd = Create(program, interfaceIndex, Interop.Bpf.XDP_FLAGS_DRV_MODE, out int errno);
            if (fd >= 0) return new XdpLink(new FileDescriptorHandle(fd), interfaceIndex, XdpAttachMode.Native);
            if (mode == XdpAttachMode.Native || !NativeUnsupported(errno)) ThrowAttachFailed(interfaceName, "native", errno);
        }
        int genericFd = Create(program, interfaceIndex, Interop.Bpf.XDP_FLAGS_SKB_MODE, out int genericErrno);
        if (genericFd < 0) ThrowAttachFailed(interfaceName, "generic", genericErrno);
        return new XdpLink(new FileDescriptorHandle(genericFd), interfaceIndex, XdpAttachMode.Generic);
    }

    /// <summary>The kernel's view of the link (type, ids, the interface it is attached to).</summary>
    internal Interop.Bpf.LinkInfo ReadInfo()
    {
        Interop.Bpf.LinkInfo info = default;
        var attr = new Interop.Bpf.ObjectInfoAttr { BpfFd = (uint)_handle.Fd, InfoLength = (uint)sizeof(Interop.Bpf.LinkInfo), Info = (ulong)&info };
        if (Interop.Bpf.Call(Interop.Bpf.BPF_OBJ_GET_INFO_BY_FD, ref attr) < 0) Errors.ThrowLast("bpf(BPF_OBJ_GET_INFO_BY_FD, link)");
        return info;
    }

    public void Dispose() => _handle.Dispose();

    private static int Create(BpfProgram program, int interfaceIndex, uint flags, out int errno)
    {
        var attr = new Interop.Bpf.LinkCreateAttr
        {
            ProgramFd = (uint)program.Handle.Fd,
            TargetInterfaceIndex = (uint)interfaceIndex,
            AttachType = Interop.Bpf.BPF_XDP,
            Flags = flags,
        };
        int fd = Interop.Bpf.Call(Interop.Bpf.BPF_LINK_CREATE, ref attr);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>What a driver without native XDP answers (dev_xdp_attach: "Underlying driver does not support XDP in native mode").</summary>
    private static bool NativeUnsupported(int errno) => errno is Errors.EOPNOTSUPP or Errors.EINVAL;

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowAttachFailed(string interfaceName, string mode, int errno)
    {
        var error = new SyscallException($"bpf(BPF_LINK_CREATE, XDP {mode} on {interfaceName})", errno);
        if (errno is Errors.EBUSY or Errors.EEXIST)
            throw new IOException($"'{interfaceName}' already has an XDP program (another process, or another mode): {error.Message}", error);
        if (errno == Errors.EPERM)
            throw PrivilegeErrors.Refused("AF_XDP", PrivilegeErrors.LoadAndAttachXdp, "to load and attach the XDP program", error);
        throw error;
    }
}
