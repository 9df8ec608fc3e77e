using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Engine.Telemetry;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Fanout;

/// <summary>
/// The market-data fan-out on one worker: an IPv4 stack that joins each group (IGMP report at start, leave
/// at stop), and for every datagram of a group a copy to each of the group's destinations, built from the
/// destination's header template into a fresh frame (payload byte-identical, headers and checksums made
/// for the destination). A group's copies for one destination leave in the order its datagrams came: they
/// are queued in order on the one transmit buffer, and a copy that cannot be sent is dropped and counted
/// (never held back to go later). Nothing is allocated per datagram.
/// </summary>
/// <remarks>
/// A unicast destination whose MAC is not in the stack's ARP cache: the first datagram is handed to the
/// stack's UDP send, which parks it with the ARP resolver and asks; until the reply, copies for it are
/// dropped as <see cref="FanoutDropReason.NoArpEntry"/>. The parked copy goes out when the reply comes,
/// before any later copy (the reply is processed before the next datagram), so the order holds; it is
/// counted as sent (the stack's no_arp_entry counts it if the destination never answers). A known MAC is
/// looked up again once a second, so a cache entry that expires or changes is followed.
/// </remarks>
public sealed class MulticastFanout : IWorkerApplication
{
    private static readonly long RecheckNanoseconds = TimeSpan.FromSeconds(1).Ticks * 100;

    /// <summary>
    /// Copies queued between two kicks of the port. AF_XDP in copy mode sends at most 32 descriptors per
    /// sendto (TX_BATCH_SIZE in net/xdp/xsk.c): one kick per loop, as the worker gives, would let a burst
    /// of datagrams times eight destinations pile up in the TX ring until the pool runs dry.
    /// </summary>
    private const int CopiesPerKick = 32;

    private readonly FanoutSettings _settings;
    private readonly GroupState[] _groups;
    private readonly LatencyHistogram _latency = new();
    private readonly long _probeIntervalNanoseconds;
    private FramePool _pool = null!;
    private FrameRegion _region = null!;
    private TxBuffer _tx = null!;
    private IPacketPort _port = null!;
    private IClock _clock = null!;
    private int _maxPayload;
    private long _ignored;
    private int _queuedSinceKick;

    /// <summary>A fan-out with its own stack configured by <paramref name="config"/>; give it to one worker.</summary>
    public MulticastFanout(InterfaceConfig config, FanoutSettings settings)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _settings = settings;
        int unicast = settings.Groups.SelectMany(group => group.Destinations).Count(destination => !destination.IsGroup && destination.StaticMac is null);
        // Every unicast destination may be resolving at once at start: the stack must be able to wait for all.
        Stack = new NetworkStack(new InterfaceConfig
        {
            Address = config.Address,
            Mac = config.Mac,
            Gateway = config.Gateway,
            Mtu = config.Mtu,
            Ttl = settings.UnicastTtl,
            GratuitousArp = config.GratuitousArp,
            ArpPendingDestinations = Math.Max(config.ArpPendingDestinations, unicast),
            ArpCacheCapacity = Math.Max(config.ArpCacheCapacity, 2 * unicast),
            IgmpMaxGroups = Math.Max(config.IgmpMaxGroups, settings.Groups.Count + 1),
            IgmpVersion = config.IgmpVersion,
        });
        _probeIntervalNanoseconds = Stack.Config.ArpRetries * Stack.Config.ArpRetryInterval.Ticks * 100;
        _groups = [.. settings.Groups.Select(group => new GroupState(group))];
        Bind();
    }

    /// <summary>The worker's stack (ARP, IGMP, ICMP): its counters, its IGMP host's membership hook.</summary>
    public NetworkStack Stack { get; }

    /// <summary>Called on the worker's thread once the stack has started (e.g. to open the port's multicast filter).</summary>
    public Action<WorkerContext>? Started { get; init; }

    /// <summary>Nanoseconds from a datagram's arrival at the fan-out to its last copy queued for the port.</summary>
    public LatencyHistogram Latency => _latency;

    /// <summary>Datagrams that reached a bound port but belong to no configured group (unicast, other groups).</summary>
    public long Ignored => _ignored;

    public FanoutSettings Settings => _settings;

    /// <summary>Datagrams of every group so far; readable from another thread (a moment old).</summary>
    public long Received
    {
        get
        {
            long total = 0;
            foreach (GroupState group in _groups) total += Volatile.Read(ref group.Received);
            return total;
        }
    }

    public void Start(WorkerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _pool = context.Pool;
        _region = _pool.Region;
        _tx = context.Tx;
        _port = context.Port;
        _clock = context.Clock;
        Stack.Start(context);
        int room = _region.FrameSize - _pool.Headroom;
        _maxPayload = Math.Min(Stack.Mtu + 14, room) - FanoutTarget.HeadersLength;
        foreach (GroupState group in _groups) group.CreateTargets(Stack, _settings);
        Started?.Invoke(context);
    }

    public void Receive(Span<Packet> packets) => Stack.Receive(packets);

    public void Poll(long nowNanoseconds) => Stack.Poll(nowNanoseconds);

    public void Stop() => Stack.Stop();

    /// <summary>Per group: datagrams received; per destination: copies sent and dropped by reason. Read after the worker stopped.</summary>
    public FanoutReport GetReport() => FanoutReport.From([this]);

    internal IEnumerable<(FanoutEndpoint Group, long Received, IEnumerable<FanoutTarget> Targets)> Groups =>
        _groups.Select(group => (group.Spec.Group, group.Received, (IEnumerable<FanoutTarget>)(group.Targets ?? [])));

    private void Bind()
    {
        foreach (IGrouping<ushort, GroupState> port in _groups.GroupBy(group => group.Spec.Group.Port))
        {
            GroupState[] groups = [.. port];
            if (groups.Length == 1)
            {
                GroupState only = groups[0];
                // Restricted to its group: the stack filters, and joins the group for us.
                Stack.Udp.Bind(port.Key, (socket, datagram) => Fanout(only, socket, datagram), only.Spec.Group.Address);
                continue;
            }
            // Several groups on one port (usual for market data): one socket, dispatched by destination address.
            var byAddress = groups.ToDictionary(group => group.Spec.Group.Address.Value);
            Stack.Udp.Bind(port.Key, (socket, datagram) =>
            {
                if (byAddress.TryGetValue(datagram.To.Value, out GroupState? group)) Fanout(group, socket, datagram);
                else _ignored++;
            });
            foreach (GroupState group in groups) Stack.Igmp.Join(group.Spec.Group.Address);
        }
    }

    private void Fanout(GroupState group, UdpSocket socket, UdpDatagram datagram)
    {
        long start = _clock.NowNanoseconds;
        group.Received++;
        ReadOnlySpan<byte> payload = datagram.Payload;
        FanoutTarget[] targets = group.Targets!;
        if (payload.Length > _maxPayload)
        {
            foreach (FanoutTarget target in targets) target.Drops.Count(FanoutDropReason.TooLarge);
            return;
        }
        // Once per datagram, whatever the number of destinations: every copy's UDP checksum starts from it.
        uint payloadSum = InternetChecksum.Sum(payload);
        for (int i = 0; i < targets.Length; i++)
        {
            FanoutTarget target = targets[i];
            if (target.ReadyUntil < start && !Resolve(target, socket, payload, start)) continue;
            if (!_pool.TryAllocate(out Packet packet))
            {
                target.Drops.Count(FanoutDropReason.PoolEmpty);
                continue;
            }
            int length = target.Build(_region.GetWritableSpan(packet), payload, payloadSum);
            packet.Length = (ushort)length;
            if (!_tx.TryEnqueue(packet) && !DrainAndRetry(packet))
            {
                _pool.Free(packet);
                target.Drops.Count(FanoutDropReason.TxFull);
                continue;
            }
            target.Sent++;
            target.SentBytes += length;
            _queuedSinceKick++;
        }
        if (_queuedSinceKick >= CopiesPerKick)
        {
            _queuedSinceKick = 0;
            _tx.Drain(_port);
        }
        _latency.Record(_clock.NowNanoseconds - start);
    }

    /// <summary>The buffer is full mid-burst (many destinations): hand it to the port now, as the loop would at its end.</summary>
    private bool DrainAndRetry(in Packet packet)
    {
        _queuedSinceKick = 0;
        _tx.Drain(_port);
        return _tx.TryEnqueue(packet);
    }

    /// <summary>True when the target's MAC is known (template updated); else counts the drop and, now and then, lets the stack ask.</summary>
    private bool Resolve(FanoutTarget target, UdpSocket socket, ReadOnlySpan<byte> payload, long now)
    {
        if (Stack.TryGetArpEntry(target.Destination.Endpoint.Address, out var mac))
        {
            target.SetNextHop(mac);
            target.ReadyUntil = now + RecheckNanoseconds;
            return true;
        }
        if (now >= target.NextProbeAt)
        {
            // The stack parks this copy with its ARP resolver and asks; the reply sends it and fills the cache.
            target.NextProbeAt = now + _probeIntervalNanoseconds;
            if (socket.SendTo(payload, new UdpEndpoint(target.Destination.Endpoint.Address, target.Destination.Endpoint.Port)))
            {
                target.Sent++;
                target.SentBytes += FanoutTarget.HeadersLength + payload.Length;
                return false;
            }
        }
        target.Drops.Count(FanoutDropReason.NoArpEntry);
        return false;
    }

    private sealed class GroupState(FanoutGroup spec)
    {
        public FanoutGroup Spec { get; } = spec;

        public FanoutTarget[]? Targets { get; private set; }

        // A field, so another thread can read it with Volatile.Read (the --count check); only the worker writes it.
        public long Received;

        public void CreateTargets(NetworkStack stack, FanoutSettings settings) =>
            Targets = [.. Spec.Destinations.Select(destination => new FanoutTarget(destination, stack.Mac, stack.Address, Spec.Group.Port,
                destination.IsGroup ? settings.GroupTtl : settings.UnicastTtl))];
    }
}
