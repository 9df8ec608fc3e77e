using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using FastPath.Engine.Memory;
using FastPath.Engine.Runtime;
using FastPath.Engine.Tcp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>
/// The IPv4 host stack of one worker: ARP, IPv4 (with reassembly), ICMP, IGMP, UDP and TCP over one port.
/// Share-nothing: each worker runs its own stack, every call comes from that worker's thread, so nothing is
/// locked, and nothing is allocated per packet (tables, queues and reassembly buffers are sized from the
/// <see cref="InterfaceConfig"/> when the stack is made).
/// </summary>
/// <example>
/// A UDP echo service:
/// <code>
/// var stack = new NetworkStack(new InterfaceConfig { Address = Ipv4Cidr.Parse("10.0.0.1/24") });
/// stack.Udp.Bind(7, (socket, datagram) => socket.SendTo(datagram.Payload, datagram.From));
/// // hand the stack to a Worker (or drive it: Start, then Receive/Poll per loop, Stop)
/// </code>
/// </example>
public sealed partial class NetworkStack : IWorkerApplication
{
    private readonly InterfaceConfig _config;
    private readonly StackCounters _counters = new();
    private readonly ArpCache _arpCache;
    private readonly ArpResolver _arpResolver;
    private WorkerContext? _context;
    private FrameRegion _region = null!;
    private FramePool _pool = null!;
    private TxBuffer _tx = null!;
    private TokenBucket _icmpErrors = null!;
    private MacAddress _mac;
    // Our MAC as the frame holds it, read natively: 4 + 2 bytes, so the filter is two compares.
    private uint _macHead;
    private ushort _macTail;
    private uint _address;
    private uint _netmask;
    private uint _subnetBroadcast;
    private int _mtu;
    private ushort _nextIdentification;
    private bool _stopped;
    private long _heldNow;
    private int _clockHolds;
    private bool _heldNowValid;

    /// <summary>A stack with <paramref name="config"/>; it sends nothing until <see cref="Start"/>.</summary>
    /// <exception cref="ArgumentException">The configuration is inconsistent (see <see cref="InterfaceConfig"/>).</exception>
    public NetworkStack(InterfaceConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
        _arpCache = new ArpCache(config.ArpCacheCapacity, ToNanoseconds(config.ArpEntryLifetime)) { Protected = config.Gateway.Value };
        _arpResolver = new ArpResolver(this, config.ArpPendingDestinations, config.ArpQueueLength, config.ArpRetries, ToNanoseconds(config.ArpRetryInterval));
        _address = config.Address.Address.Value;
        _netmask = config.Address.Netmask.Value;
        _subnetBroadcast = config.Address.PrefixLength >= 31 ? uint.MaxValue : config.Address.Broadcast.Value;
        Udp = new UdpSockets(this);
        Igmp = new IgmpHost(this);
        Tcp = new TcpSockets(this, config.Tcp);
        _reassembler = new Ipv4Reassembler(this, config.MaxReassemblies, config.ReassemblyMemoryLimit, ToNanoseconds(config.ReassemblyTimeout));
    }

    /// <summary>The configuration the stack was made with.</summary>
    public InterfaceConfig Config => _config;

    /// <summary>Our MAC: the configured one, or the port's once started.</summary>
    public MacAddress Mac => _mac;

    /// <summary>Our IPv4 address (the host part of <see cref="InterfaceConfig.Address"/>).</summary>
    public Ipv4Address Address => new(_address);

    /// <summary>The UDP binding table: <c>stack.Udp.Bind(port, handler)</c>.</summary>
    public UdpSockets Udp { get; }

    /// <summary>TCP: <c>stack.Tcp.Listen(port)</c>, <c>stack.Tcp.Connect(address, port)</c>.</summary>
    public TcpSockets Tcp { get; }

    /// <summary>Multicast group membership (IGMP): <c>stack.Igmp.Join(group)</c>.</summary>
    public IgmpHost Igmp { get; }

    /// <summary>True between <see cref="Start"/> and <see cref="Stop"/>.</summary>
    public bool IsRunning => _context is not null && !_stopped;

    /// <summary>A snapshot of the counters; safe from any thread (values may be a moment old).</summary>
    public StackCountersSnapshot GetCounters() => _counters.Snapshot();

    /// <summary>The ARP cache's entry for <paramref name="address"/>, if present and not expired (diagnostics and tests).</summary>
    public bool TryGetArpEntry(Ipv4Address address, out MacAddress mac)
    {
        if (_context is null)
        {
            mac = default;
            return false;
        }
        return _arpCache.TryGet(address, Now, out mac);
    }

    /// <summary>Learns the port's MAC and MTU, announces our address (gratuitous ARP) and sends reports for groups joined before start.</summary>
    public void Start(WorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_context is not null) throw new InvalidOperationException("the stack is already started: one stack per worker");
        // Each TCP connection keeps one timer on the worker's wheel: a full wheel would leave one without its RTO.
        if (_config.Tcp.MaxConnections >= context.Timers.Capacity)
        {
            throw new InvalidOperationException(
                $"TCP MaxConnections {_config.Tcp.MaxConnections} needs a timer wheel with more entries than {context.Timers.Capacity} (WorkerOptions.TimerCapacity)");
        }
        _context = context;
        _pool = context.Pool;
        _region = _pool.Region;
        _tx = context.Tx;
        _mac = _config.Mac.IsZero ? context.Port.Info.Mac : _config.Mac;
        Span<byte> mac = stackalloc byte[MacAddress.Length];
        _mac.CopyTo(mac);
        _macHead = Unsafe.ReadUnaligned<uint>(ref mac[0]);
        _macTail = Unsafe.ReadUnaligned<ushort>(ref mac[4]);
        _mtu = _config.Mtu != 0 ? Math.Min(_config.Mtu, context.Port.Info.Mtu) : context.Port.Info.Mtu;
        _icmpErrors = new TokenBucket(_config.IcmpErrorsPerSecond, _config.IcmpErrorBurst, Now);
        if (_config.IcmpEchoRepliesPerSecond > 0) _echoReplies = new TokenBucket(_config.IcmpEchoRepliesPerSecond, _config.IcmpEchoReplyBurst, Now);
        _nextIdentification = (ushort)(context.WorkerId * 0x1000 + Environment.TickCount);
        if (_config.GratuitousArp) SendGratuitousArp();
        Igmp.OnStart();
    }

    /// <summary>Processes a received burst: every packet is answered, delivered, kept by a socket queue or freed.</summary>
    public void Receive(Span<Packet> packets)
    {
        if (_context is null) ThrowNotStarted();
        HoldClock();
        try
        {
            for (int i = 0; i < packets.Length; i++) ReceiveFrame(packets[i]);
            // One flush per burst: a connection that got many segments answers with one ACK (or its data).
            Tcp.Flush();
        }
        finally
        {
            ReleaseClock();
        }
    }

    /// <summary>Sends TCP output left pending; the protocols' timers run on the worker's <see cref="TimerWheel"/>.</summary>
    public void Poll(long nowNanoseconds)
    {
        Tcp.Flush();
    }

    /// <summary>Leaves every group (IGMP leave), drops packets still waiting for ARP, frees reassembly buffers, aborts TCP connections and closes sockets.</summary>
    public void Stop()
    {
        if (_context is null || _stopped) return;
        Tcp.OnStop();
        Igmp.OnStop();
        _arpResolver.Clear();
        _reassembler.Clear();
        Udp.CloseAll();
        _stopped = true;
    }

    internal WorkerContext Context => _context!;

    internal StackCounters Counters => _counters;

    /// <summary>
    /// The worker's time. Inside <see cref="HoldClock"/> (a receive burst, a TCP timer or application call) the first
    /// read is kept for the rest: one segment's path asks a dozen times (ARP expiry, TCP timestamps, RTT, deadlines)
    /// and each read of the monotonic clock costs tens of nanoseconds in a VM, as much as a small segment's own work.
    /// </summary>
    internal long Now
    {
        get
        {
            if (_clockHolds == 0) return _context!.Clock.NowNanoseconds;
            if (!_heldNowValid)
            {
                _heldNow = _context!.Clock.NowNanoseconds;
                _heldNowValid = true;
            }
            return _heldNow;
        }
    }

    internal void HoldClock() => _clockHolds++;

    internal void ReleaseClock()
    {
        if (--_clockHolds == 0) _heldNowValid = false;
    }

    internal int Mtu => _mtu;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<byte> Bytes(in Packet packet) => _region.GetSpan(packet);

    internal Span<byte> WritableBytes(in Packet packet) => _region.GetWritableSpan(packet);

    /// <summary>Frees the packet and counts the drop.</summary>
    // Kept out of line: inlined into every check of the receive path, the free's own checks bloat the hot loop.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void Drop(in Packet packet, StackDropReason reason)
    {
        _counters.Drops[(int)reason]++;
        _pool.Free(packet);
    }

    /// <summary>Counts a drop of something that is not a frame (a datagram in a reassembly buffer).</summary>
    internal void CountDrop(StackDropReason reason) => _counters.Drops[(int)reason]++;

    /// <summary>Queues a finished frame for the port; a full buffer frees it and counts the drop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Transmit(in Packet packet)
    {
        if (_tx.TryEnqueue(packet))
        {
            _counters.TxPackets++;
            _counters.TxBytes += packet.Length;
            return true;
        }
        Drop(packet, StackDropReason.TxBufferFull);
        return false;
    }

    internal bool TryAllocate(out Packet packet)
    {
        if (_pool.TryAllocate(out packet)) return true;
        CountDrop(StackDropReason.NoBuffer);
        return false;
    }

    /// <summary>Bytes a transport message can have in one frame, with room kept in front for IPv4 and Ethernet.</summary>
    internal int FrameCapacity => _region.FrameSize - Math.Max(_pool.Headroom, TransportHeadroom);

    /// <summary>A fresh frame whose data starts far enough in to prepend IPv4 (with options) and Ethernet, whatever the pool's headroom.</summary>
    internal bool TryAllocateForTransport(out Packet packet)
    {
        if (!TryAllocate(out packet)) return false;
        if (packet.Offset < TransportHeadroom) packet.Offset = TransportHeadroom;
        return true;
    }

    internal ushort NextIdentification() => _nextIdentification++;

    internal void EnsureRunning()
    {
        if (_context is null) ThrowNotStarted();
        if (_stopped) throw new InvalidOperationException("the stack has stopped");
    }

    private static long ToNanoseconds(TimeSpan time) => time.Ticks * 100;

    [DoesNotReturn]
    private static void ThrowNotStarted() => throw new InvalidOperationException("the stack is not started: hand it to a worker (or call Start) first");
}
