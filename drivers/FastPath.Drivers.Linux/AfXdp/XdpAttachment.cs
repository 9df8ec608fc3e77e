using FastPath.Drivers.Linux.Bpf;
using FastPath.Drivers.Linux.Devices;

namespace FastPath.Drivers.Linux.AfXdp;

/// <summary>
/// FastPath's redirect program on one interface, shared by every port of this process on it: one XSKMAP
/// (a slot per queue), one program, one link. Reference-counted: the first port attaches it, later ports
/// add their socket to the same map, the last one out closes the link (which detaches the program). Only
/// one XDP program can sit on an interface in a given mode, so two programs of our own would not work.
/// </summary>
internal sealed class XdpAttachment
{
    private static readonly Dictionary<(string Namespace, int Index), XdpAttachment> Attached = [];
    private static readonly Lock Gate = new();

    private readonly (string Namespace, int Index) _key;
    private readonly XskMap _map;
    private readonly BpfProgram _program;
    private readonly XdpLink _link;
    private int _references;

    private XdpAttachment((string, int) key, string interfaceName, XskMap map, BpfProgram program, XdpLink link)
    {
        _key = key;
        InterfaceName = interfaceName;
        _map = map;
        _program = program;
        _link = link;
    }

    public string InterfaceName { get; }

    /// <summary>Native or generic: what the kernel accepted.</summary>
    public XdpAttachMode Mode => _link.Mode;

    public XskMap Map => _map;

    internal XdpLink Link => _link;

    /// <summary>The attachment for <paramref name="device"/>, attaching it if this is the first port there.</summary>
    public static XdpAttachment Acquire(NetworkDevice device, XdpAttachMode mode)
    {
        var key = (NetworkNamespace(), device.Index);
        lock (Gate)
        {
            if (Attached.TryGetValue(key, out var existing))
            {
                if (mode != XdpAttachMode.Auto && mode != existing.Mode)
                    throw new InvalidOperationException($"'{device.Name}' already runs FastPath's XDP program in {Describe(existing.Mode)} mode; a port cannot ask for {Describe(mode)} mode on it");
                existing._references++;
                return existing;
            }
            var attachment = Attach(key, device, mode);
            attachment._references = 1;
            Attached.Add(key, attachment);
            return attachment;
        }
    }

    /// <summary>Drops one port's reference; the last one detaches the program and frees the map.</summary>
    public void Release()
    {
        lock (Gate)
        {
            if (--_references > 0) return;
            Attached.Remove(_key);
        }
        _link.Dispose();
        _program.Dispose();
        _map.Dispose();
    }

    internal static string Describe(XdpAttachMode mode) => mode == XdpAttachMode.Native ? "native" : mode == XdpAttachMode.Generic ? "generic" : "auto";

    private static XdpAttachment Attach((string, int) key, NetworkDevice device, XdpAttachMode mode)
    {
        var map = XskMap.Create(Math.Max(device.RxQueues, device.TxQueues));
        BpfProgram? program = null;
        try
        {
            program = XskRedirectProgram.Load(map);
            var link = XdpLink.Attach(program, device.Index, device.Name, mode);
            return new XdpAttachment(key, device.Name, map, program, link);
        }
        catch
        {
            program?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Interface indices are per network namespace, so the key carries the calling thread's namespace
    /// ("net:[4026531840]"), which a thread that entered another one with setns sees as different.
    /// </summary>
    private static string NetworkNamespace()
    {
        try
        {
            return new FileInfo("/proc/thread-self/ns/net").LinkTarget ?? "";
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
