using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using FastPath.Drivers.Linux.Interop;
using FastPath.Engine.Ports;

namespace FastPath.Drivers.Linux.Devices;

/// <summary>
/// A port's eye on its interface: SIOCGIFINDEX and SIOCGIFFLAGS on a socket opened with the port (so the
/// answer is for the port's network namespace, whichever thread asks), at most every 100 ms, plus the
/// count of outages and how long the last one lasted.
/// </summary>
/// <remarks>
/// The owner thread checks on a transmit error and when idle; a monitor thread may check too. A check is
/// one ioctl pair behind a try-enter flag (a second caller just reads the last answer), never a lock, and
/// never on the per-packet path. Gone is final: an interface that comes back under the same name is a new
/// interface (a new index), and the port's socket is bound to the old one.
/// </remarks>
internal sealed class LinkWatch : IDisposable
{
    private static readonly long CheckInterval = Stopwatch.Frequency / 10;

    private readonly FileDescriptorHandle _socket;
    private readonly string _name;
    private readonly int _index;
    private long _nextCheck;
    private int _checking;
    private int _state;
    private long _downs;
    private long _downSince; // when the outage being timed began; 0 when none is
    private long _lastOutageTicks;
    private string? _goneReason;

    private LinkWatch(FileDescriptorHandle socket, NetworkDevice device)
    {
        _socket = socket;
        _name = device.Name;
        _index = device.Index;
    }

    /// <summary>Opens the watch in the calling thread's namespace and looks at the link once.</summary>
    public static LinkWatch Open(NetworkDevice device)
    {
        int fd = Interop.Socket.Create(Interop.Socket.AF_INET, Interop.Socket.SOCK_DGRAM | Interop.Socket.SOCK_CLOEXEC, 0);
        if (fd < 0) Errors.ThrowLast("socket(AF_INET) for link checks");
        var watch = new LinkWatch(new FileDescriptorHandle(fd), device);
        watch.CheckNow();
        return watch;
    }

    public LinkState State => (LinkState)Volatile.Read(ref _state);

    /// <summary>
    /// The count first, then the state, then the last outage: Apply publishes a new state before it counts
    /// the outage that state begins, and times an outage before it publishes the Up that ends it, so a reader
    /// never sees a count ahead of its state, and one that sees Up sees that outage's length. (It may see a
    /// new state with the old count; a monitor then sees the count at its next sample.)
    /// </summary>
    public PortLink Current
    {
        get
        {
            long downs = Interlocked.Read(ref _downs);
            LinkState state = State;
            return new(state, downs, Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _lastOutageTicks)));
        }
    }

    /// <summary>Why the link is gone (the errno that said so), once it is.</summary>
    public string GoneReason => Volatile.Read(ref _goneReason) ?? "no such device";

    /// <summary>True when the last check is older than the interval: a clock read, for idle paths.</summary>
    public bool IsDue => Stopwatch.GetTimestamp() >= Volatile.Read(ref _nextCheck);

    /// <summary>Looks at the link unless it was looked at in the last 100 ms.</summary>
    public PortLink Check() => IsDue ? CheckNow() : Current;

    /// <summary>Looks at the link now (a transmit error said something changed).</summary>
    public PortLink CheckNow()
    {
        if (Interlocked.CompareExchange(ref _checking, 1, 0) != 0) return Current;
        bool referenced = false;
        try
        {
            if (State == LinkState.Gone || _socket.IsClosed) return Current;
            _socket.DangerousAddRef(ref referenced);
            long now = Stopwatch.GetTimestamp();
            Volatile.Write(ref _nextCheck, now + CheckInterval);
            (LinkState state, string? reason) = Read(_socket.Fd);
            if (state != LinkState.Unknown) Apply(state, reason, now);
            return Current;
        }
        catch (ObjectDisposedException)
        {
            return Current; // disposed between the test and the reference: the last answer stands
        }
        finally
        {
            if (referenced) _socket.DangerousRelease();
            Volatile.Write(ref _checking, 0);
        }
    }

    /// <summary>The kernel said the device is gone (sendto: ENXIO, ENODEV): final, whatever the next ioctl would say.</summary>
    public void MarkGone(string reason) => Apply(LinkState.Gone, reason, Stopwatch.GetTimestamp());

    /// <summary>The worker's idle look: <see cref="CheckNow"/>, throwing <see cref="LinkGoneException"/> once the link is gone.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void CheckNowOrThrowIfGone()
    {
        if (CheckNow().State == LinkState.Gone) ThrowGone();
    }

    /// <summary>The worker's look while the link is not up: <see cref="Check"/>, throwing once the link is gone.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void CheckOrThrowIfGone()
    {
        if (Check().State == LinkState.Gone) ThrowGone();
    }

    /// <summary>A send said the device is gone (ENXIO, ENODEV): marks it so for every reader and throws.</summary>
    [DoesNotReturn]
    public void MarkGoneAndThrow(string reason)
    {
        MarkGone(reason);
        ThrowGone();
    }

    public void Dispose() => _socket.Dispose();

    [DoesNotReturn]
    private void ThrowGone() => throw new LinkGoneException(_name, GoneReason);

    private (LinkState State, string? Reason) Read(int fd)
    {
        var request = Ioctl.InterfaceRequest.For(_name);
        int result = Ioctl.RunOn(fd, Ioctl.SIOCGIFINDEX, ref request);
        if (result == -Errors.ENODEV) return (LinkState.Gone, "ioctl(SIOCGIFINDEX): ENODEV");
        if (result < 0) return (LinkState.Unknown, null);
        if (request.Index != _index) return (LinkState.Gone, $"the name now belongs to interface {request.Index}");

        request = Ioctl.InterfaceRequest.For(_name);
        result = Ioctl.RunOn(fd, Ioctl.SIOCGIFFLAGS, ref request);
        if (result == -Errors.ENODEV) return (LinkState.Gone, "ioctl(SIOCGIFFLAGS): ENODEV");
        if (result < 0) return (LinkState.Unknown, null);
        if ((request.Flags & Ioctl.IFF_UP) == 0) return (LinkState.Down, null);
        return (HasCarrier(fd, request.Flags) ? LinkState.Up : LinkState.Down, null);
    }

    /// <summary>
    /// The carrier as the transmit path sees it. IFF_RUNNING is the operational state, which the kernel's
    /// linkwatch sets up to a second after the carrier comes on (a veth just brought up: its carrier is on at
    /// once, IFF_RUNNING follows later); copy-mode AF_XDP sends as soon as netif_carrier_ok says so
    /// (__dev_direct_xmit), so holding frames back until IFF_RUNNING would delay, and through full queues
    /// drop, traffic the link would carry. ETHTOOL_GLINK answers netif_carrier_ok for drivers that use
    /// ethtool_op_get_link (veth, most NICs); where a driver has no get_link, IFF_RUNNING it is.
    /// </summary>
    private unsafe bool HasCarrier(int fd, short flags)
    {
        var value = new Ioctl.EthtoolValue { Command = Ioctl.ETHTOOL_GLINK };
        var request = Ioctl.InterfaceRequest.For(_name);
        request.Data = &value;
        if (Ioctl.RunOn(fd, Ioctl.SIOCETHTOOL, ref request) == 0) return value.Data != 0;
        return (flags & Ioctl.IFF_RUNNING) != 0;
    }

    private void Apply(LinkState state, string? reason, long now)
    {
        // The reason goes first, so a thread that sees Gone reads why. A compare-and-swap rather than an
        // exchange: MarkGone (the worker) may race a check (a monitor) that read Up just before the device went,
        // and an exchange would publish that Up for a moment before putting Gone back. Gone is final.
        if (state == LinkState.Gone) Interlocked.CompareExchange(ref _goneReason, reason, null);
        LinkState previous = State;
        while (true)
        {
            if (previous == LinkState.Gone) return;
            // Timed before Up is published (see Current). Only a check moves Down to Up, and checks are
            // serialized by _checking; MarkGone only ever moves to Gone (if it wins this race, the time is of an
            // outage that ended gone, which no monitor reports as up again).
            if (previous == LinkState.Down && state == LinkState.Up && Volatile.Read(ref _downSince) is long since and not 0)
                Interlocked.Exchange(ref _lastOutageTicks, now - since);
            var seen = (LinkState)Interlocked.CompareExchange(ref _state, (int)state, (int)previous);
            if (seen == previous) break;
            previous = seen;
        }

        // Only the thread that made the change gets here for it, so the outage fields have one writer at a
        // time. A link found down at the first look (a link without carrier yet when the port opened) is not an
        // outage the port lived through: it is neither counted nor timed.
        bool outageBegins = (previous == LinkState.Up && state is LinkState.Down or LinkState.Gone)
            || (previous == LinkState.Unknown && state == LinkState.Gone);
        if (outageBegins)
        {
            Volatile.Write(ref _downSince, now);
            Interlocked.Increment(ref _downs);
        }
        else if (previous == LinkState.Down && state == LinkState.Up)
        {
            Volatile.Write(ref _downSince, 0);
        }
    }

    public override string ToString() => $"{_name} (index {_index}): {State}";

    /// <summary>The errno of a failed sendto, by what it says about the link.</summary>
    internal static bool MeansGone(int errno) => errno is Errors.ENXIO or Errors.ENODEV;
}
