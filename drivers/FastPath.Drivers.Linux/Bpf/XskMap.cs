using FastPath.Drivers.Linux.Interop;

namespace FastPath.Drivers.Linux.Bpf;

/// <summary>
/// A BPF_MAP_TYPE_XSKMAP: queue index to AF_XDP socket. The redirect program looks the receiving queue up
/// in it; a queue with no socket falls back to the program's default action.
/// </summary>
internal sealed unsafe class XskMap : IDisposable
{
    private readonly FileDescriptorHandle _handle;

    private XskMap(FileDescriptorHandle handle, int capacity)
    {
        _handle = handle;
        Capacity = capacity;
    }

    /// <summary>Entries (queues) the map holds.</summary>
    public int Capacity { get; }

    internal FileDescriptorHandle Handle => _handle;

    public static XskMap Create(int capacity, string name = "fastpath_xsks")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        var attr = new Interop.Bpf.MapCreateAttr
        {
            MapType = Interop.Bpf.BPF_MAP_TYPE_XSKMAP,
            KeySize = sizeof(uint),
            ValueSize = sizeof(uint),
            MaxEntries = (uint)capacity,
        };
        BpfNames.Write(name, attr.MapName);
        int fd = Interop.Bpf.Call(Interop.Bpf.BPF_MAP_CREATE, ref attr);
        if (fd < 0) ThrowCreateFailed(System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        return new XskMap(new FileDescriptorHandle(fd), capacity);
    }

    /// <summary>Points <paramref name="queue"/> at the AF_XDP socket <paramref name="socketFd"/>.</summary>
    public void Set(int queue, int socketFd)
    {
        CheckQueue(queue);
        uint key = (uint)queue;
        uint value = (uint)socketFd;
        var attr = new Interop.Bpf.MapElementAttr { MapFd = (uint)_handle.Fd, Key = (ulong)&key, Value = (ulong)&value, Flags = Interop.Bpf.BPF_ANY };
        if (Interop.Bpf.Call(Interop.Bpf.BPF_MAP_UPDATE_ELEM, ref attr) < 0) Errors.ThrowLast("bpf(BPF_MAP_UPDATE_ELEM, XSKMAP)");
    }

    /// <summary>
    /// Empties <paramref name="queue"/>'s entry. The kernel answers 0 whether or not the entry held a socket,
    /// and this runs on clean-up paths, so there is nothing to report.
    /// </summary>
    public void Remove(int queue)
    {
        CheckQueue(queue);
        uint key = (uint)queue;
        var attr = new Interop.Bpf.MapElementAttr { MapFd = (uint)_handle.Fd, Key = (ulong)&key };
        _ = Interop.Bpf.Call(Interop.Bpf.BPF_MAP_DELETE_ELEM, ref attr);
    }

    public void Dispose() => _handle.Dispose();

    private void CheckQueue(int queue)
    {
        if ((uint)queue >= (uint)Capacity) throw new ArgumentOutOfRangeException(nameof(queue), queue, $"the map has {Capacity} queues");
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowCreateFailed(int errno)
    {
        var error = new SyscallException("bpf(BPF_MAP_CREATE, XSKMAP)", errno);
        if (errno == Errors.EPERM) throw PrivilegeErrors.Refused("AF_XDP", PrivilegeErrors.LoadAndAttachXdp, "to load and attach the XDP program", error);
        throw error;
    }
}
