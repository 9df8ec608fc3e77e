using FastPath.Engine.Memory;
using FastPath.Engine.Runtime;
using FastPath.Wire;
using FastPath.Wire.Checksums;
using FastPath.Wire.Igmp;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>
/// The host side of IGMP (RFC 3376 v3, RFC 2236 v2, RFC 1112 v1) for one stack: group membership with
/// reference counts, unsolicited reports on join and leave (repeated robustness times), answers to general
/// and group-specific queries after a random delay up to the query's max response time, and the fall back
/// to an older version while an older querier is present (RFC 3376 section 7.2.1). Members receive the
/// group's datagrams on their UDP sockets.
/// </summary>
public sealed class IgmpHost
{
    private static readonly Ipv4Address AllSystems = new(224, 0, 0, 1);
    private static readonly Ipv4Address AllRouters = new(224, 0, 0, 2);
    private static readonly Ipv4Address V3Routers = new(224, 0, 0, 22);

    // RFC 3376 section 8.12/8.13: Older Version Querier Present Timeout, robustness * query interval (125 s) + max response.
    private const long DefaultQueryIntervalNanoseconds = 125_000_000_000;
    // RFC 2236 section 4: a v1 query carries no max response time; hosts use 10 s.
    private const long V1MaxResponseNanoseconds = 10_000_000_000;

    private const int KindResponse = 1;
    private const int KindRetransmit = 2;
    private const int KindInterface = 3;

    private readonly NetworkStack _stack;
    private readonly TimerTarget _timerTarget;
    private readonly Dictionary<uint, int> _index;
    private readonly uint[] _groups;
    private readonly int[] _references;
    private readonly bool[] _leaving;
    private readonly int[] _retransmitsLeft;
    private readonly int[] _generations;
    private readonly TimerHandle[] _responseTimers;
    private readonly long[] _responseDeadlines;
    private readonly TimerHandle[] _retransmitTimers;
    private readonly int[] _free;
    private int _freeCount;
    private TimerHandle _interfaceTimer;
    private long _interfaceDeadline;
    private int _interfaceGeneration;
    private long _v1QuerierUntil = long.MinValue;
    private long _v2QuerierUntil = long.MinValue;
    private ulong _random;

    internal IgmpHost(NetworkStack stack)
    {
        _stack = stack;
        _timerTarget = new TimerTarget(this);
        int capacity = stack.Config.IgmpMaxGroups;
        _index = new Dictionary<uint, int>(capacity);
        _groups = new uint[capacity];
        _references = new int[capacity];
        _leaving = new bool[capacity];
        _retransmitsLeft = new int[capacity];
        _generations = new int[capacity];
        _responseTimers = new TimerHandle[capacity];
        _responseDeadlines = new long[capacity];
        _retransmitTimers = new TimerHandle[capacity];
        _free = new int[capacity];
        for (int i = 0; i < capacity; i++) _free[i] = capacity - 1 - i;
        _freeCount = capacity;
        _random = 0x9E37_79B9_7F4A_7C15UL ^ (ulong)stack.Config.Address.Address.Value;
    }

    /// <summary>
    /// Called (on the worker's thread) when the stack starts or stops being a member of a group, so that the
    /// embedder can open the port's multicast filter (AF_PACKET membership, or a NIC's MAC filter).
    /// </summary>
    public Action<Ipv4Address, bool>? MembershipChanged { get; set; }

    /// <summary>The IGMP version reports go out in now: the configured one, or older while an older querier was heard.</summary>
    public IgmpVersion Version
    {
        get
        {
            IgmpVersion configured = _stack.Config.IgmpVersion;
            if (!_stack.IsRunning) return configured;
            long now = _stack.Now;
            if (now < _v1QuerierUntil) return IgmpVersion.V1;
            if (now < _v2QuerierUntil && configured > IgmpVersion.V2) return IgmpVersion.V2;
            return configured;
        }
    }

    /// <summary>The groups joined now (a new list: for diagnostics).</summary>
    public IReadOnlyList<Ipv4Address> Groups =>
        _index.Where(pair => !_leaving[pair.Value]).Select(pair => new Ipv4Address(pair.Key)).OrderBy(group => group).ToList();

    public bool IsMember(Ipv4Address group) => _index.TryGetValue(group.Value, out int slot) && !_leaving[slot];

    /// <summary>
    /// Joins <paramref name="group"/> (counted: as many <see cref="Leave"/> calls as joins leave it). The first
    /// join sends an unsolicited report at once (or at start) and repeats it. 224.0.0.1 is always joined.
    /// </summary>
    /// <exception cref="InvalidOperationException">More groups than <see cref="InterfaceConfig.IgmpMaxGroups"/>.</exception>
    public void Join(Ipv4Address group)
    {
        if (!group.IsMulticast) throw new ArgumentException($"{group} is not a multicast group", nameof(group));
        if (group == AllSystems) return;
        if (_index.TryGetValue(group.Value, out int slot))
        {
            if (!_leaving[slot])
            {
                _references[slot]++;
                return;
            }
            // Joined again while its leave was still being repeated: it becomes a member again (a new state change).
            CancelTimers(slot);
            _leaving[slot] = false;
        }
        else
        {
            if (_freeCount == 0) throw new InvalidOperationException($"the stack is already a member of {_groups.Length} groups (IgmpMaxGroups)");
            slot = _free[--_freeCount];
            _index.Add(group.Value, slot);
            _groups[slot] = group.Value;
        }
        _references[slot] = 1;
        _generations[slot]++;
        if (_stack.IsRunning) AnnounceChange(slot);
        MembershipChanged?.Invoke(group, true);
    }

    /// <summary>Drops one join of <paramref name="group"/>; the last sends a leave (v2) or a change to include {} (v3).</summary>
    public void Leave(Ipv4Address group)
    {
        if (!_index.TryGetValue(group.Value, out int slot) || _leaving[slot]) return;
        if (--_references[slot] > 0) return;
        CancelTimers(slot);
        _generations[slot]++;
        if (_stack.IsRunning && Version != IgmpVersion.V1)
        {
            _leaving[slot] = true;
            AnnounceChange(slot);
        }
        else
        {
            Release(slot);
        }
        MembershipChanged?.Invoke(group, false);
    }

    internal bool Accepts(Ipv4Address group) =>
        group == AllSystems || (_index.TryGetValue(group.Value, out int slot) && !_leaving[slot]);

    internal void OnStart()
    {
        foreach (int slot in _index.Values) AnnounceChange(slot);
    }

    internal void OnStop()
    {
        _stack.Context.Timers.Cancel(_interfaceTimer);
        foreach (int slot in _index.Values.ToArray())
        {
            CancelTimers(slot);
            // One leave each: the timers that would repeat it stop with the worker.
            if (!_leaving[slot] && Version != IgmpVersion.V1) SendLeave(slot);
            Release(slot);
        }
    }

    internal void Receive(in Packet packet, bool inFrame, Span<byte> datagram, int headerLength, Delivery delivery)
    {
        Span<byte> message = datagram[headerLength..];
        if (!IgmpPacket.TryParse(message, out IgmpPacket igmp, out WireError error))
        {
            _stack.DropDatagram(packet, inFrame, error == WireError.Truncated ? StackDropReason.Truncated : StackDropReason.BadHeader);
            return;
        }
        if (!InternetChecksum.IsValid(message))
        {
            _stack.DropDatagram(packet, inFrame, StackDropReason.BadChecksum);
            return;
        }
        _stack.Counters.IgmpReceived++;
        bool handled = igmp.Type switch
        {
            IgmpMessageType.MembershipQuery => OnQuery(igmp),
            IgmpMessageType.V1MembershipReport or IgmpMessageType.V2MembershipReport => OnOtherReport(igmp.GroupAddress),
            _ => false,
        };
        if (handled) _stack.Consumed(packet, inFrame);
        else _stack.DropDatagram(packet, inFrame, StackDropReason.IgmpUnhandled);
    }

    private bool OnQuery(IgmpPacket query)
    {
        if (!IgmpRepr.TryParse(query, out IgmpRepr repr)) return false;
        long now = _stack.Now;
        long maxResponse = repr.Version == IgmpVersion.V1 ? V1MaxResponseNanoseconds : repr.MaxResponseTime.Ticks * 100;
        if (maxResponse <= 0) maxResponse = 1;
        long olderQuerierTimeout = _stack.Config.IgmpRobustness * DefaultQueryIntervalNanoseconds + maxResponse;
        if (repr.Version == IgmpVersion.V1) _v1QuerierUntil = now + olderQuerierTimeout;
        else if (repr.Version == IgmpVersion.V2) _v2QuerierUntil = now + olderQuerierTimeout;

        Ipv4Address group = repr.GroupAddress;
        if (group.IsUnspecified)
        {
            if (Version == IgmpVersion.V3)
            {
                // RFC 3376 section 5.2: one pending response for the whole interface, the earliest one wins.
                long deadline = now + RandomDelay(maxResponse);
                if (!_interfaceTimer.IsValid || deadline < _interfaceDeadline)
                {
                    _stack.Context.Timers.Cancel(_interfaceTimer);
                    _interfaceDeadline = deadline;
                    _interfaceTimer = _stack.Context.Timers.Schedule(deadline, _timerTarget, Cookie(KindInterface, 0, ++_interfaceGeneration));
                }
                return true;
            }
            foreach (int slot in _index.Values)
            {
                if (!_leaving[slot]) ScheduleResponse(slot, now, maxResponse);
            }
            return true;
        }
        if (!_index.TryGetValue(group.Value, out int member) || _leaving[member]) return true;
        ScheduleResponse(member, now, maxResponse);
        return true;
    }

    /// <summary>RFC 2236 section 3: in v1/v2 another member's report for the group cancels ours.</summary>
    private bool OnOtherReport(Ipv4Address group)
    {
        if (Version == IgmpVersion.V3 || !_index.TryGetValue(group.Value, out int slot) || !_responseTimers[slot].IsValid) return false;
        _stack.Context.Timers.Cancel(_responseTimers[slot]);
        _responseTimers[slot] = default;
        return true;
    }

    private void ScheduleResponse(int slot, long now, long maxResponse)
    {
        long deadline = now + RandomDelay(maxResponse);
        if (_responseTimers[slot].IsValid && _responseDeadlines[slot] <= deadline) return;
        _stack.Context.Timers.Cancel(_responseTimers[slot]);
        _responseDeadlines[slot] = deadline;
        _responseTimers[slot] = _stack.Context.Timers.Schedule(deadline, _timerTarget, Cookie(KindResponse, slot, _generations[slot]));
    }

    /// <summary>A join or leave: sent now, repeated robustness - 1 times at random within the unsolicited report interval.</summary>
    private void AnnounceChange(int slot)
    {
        if (_leaving[slot]) SendLeave(slot);
        else SendReport(slot, IgmpGroupRecordType.ChangeToExcludeMode);
        // RFC 2236 section 3: a v2 leave is sent once; v3 state changes and all joins are repeated.
        bool repeat = !_leaving[slot] || Version == IgmpVersion.V3;
        _retransmitsLeft[slot] = repeat ? _stack.Config.IgmpRobustness - 1 : 0;
        if (_retransmitsLeft[slot] > 0) ScheduleRetransmit(slot);
        else if (_leaving[slot]) Release(slot);
    }

    private void ScheduleRetransmit(int slot)
    {
        long interval = _stack.Config.IgmpUnsolicitedReportInterval.Ticks * 100;
        _retransmitTimers[slot] = _stack.Context.Timers.Schedule(_stack.Now + RandomDelay(interval), _timerTarget,
            Cookie(KindRetransmit, slot, _generations[slot]));
    }

    private void OnTimer(long cookie)
    {
        int kind = (int)(cookie >> 24 & 0xFF);
        int slot = (int)(cookie & 0xFF_FFFF);
        int generation = (int)(cookie >> 32);
        if (kind == KindInterface)
        {
            if (generation != _interfaceGeneration) return;
            _interfaceTimer = default;
            SendCurrentStateOfAll();
            return;
        }
        if (_generations[slot] != generation || !_index.ContainsKey(_groups[slot])) return;
        if (kind == KindResponse)
        {
            _responseTimers[slot] = default;
            SendReport(slot, IgmpGroupRecordType.ModeIsExclude);
            return;
        }
        _retransmitTimers[slot] = default;
        if (_leaving[slot]) SendLeave(slot);
        else SendReport(slot, IgmpGroupRecordType.ChangeToExcludeMode);
        if (--_retransmitsLeft[slot] > 0) ScheduleRetransmit(slot);
        else if (_leaving[slot]) Release(slot);
    }

    /// <summary>A report for one group: a v3 record of <paramref name="recordType"/>, or a v2/v1 report sent to the group itself.</summary>
    private void SendReport(int slot, IgmpGroupRecordType recordType)
    {
        var group = new Ipv4Address(_groups[slot]);
        switch (Version)
        {
            case IgmpVersion.V3:
                if (!_stack.TryAllocateForTransport(out Packet packet)) return;
                var writer = new IgmpV3ReportWriter(_stack.WritableBytes(packet)[..(_stack.Mtu - 24)]);
                writer.TryAdd(recordType, group, []);
                Send(packet, writer.Complete(), V3Routers, report: true);
                break;
            case IgmpVersion.V2:
                SendV1V2(IgmpRepr.V2Report(group), group, report: true);
                break;
            default:
                SendV1V2(IgmpRepr.V1Report(group), group, report: true);
                break;
        }
    }

    private void SendLeave(int slot)
    {
        var group = new Ipv4Address(_groups[slot]);
        if (Version == IgmpVersion.V3)
        {
            if (!_stack.TryAllocateForTransport(out Packet packet)) return;
            var writer = new IgmpV3ReportWriter(_stack.WritableBytes(packet)[..(_stack.Mtu - 24)]);
            writer.TryAdd(IgmpGroupRecordType.ChangeToIncludeMode, group, []);
            Send(packet, writer.Complete(), V3Routers, report: false);
        }
        else if (Version == IgmpVersion.V2)
        {
            SendV1V2(IgmpRepr.LeaveGroup(group), AllRouters, report: false);
        }
    }

    /// <summary>The answer to a v3 general query: every group's current state, as many reports as the MTU needs.</summary>
    private void SendCurrentStateOfAll()
    {
        Packet packet = default;
        scoped IgmpV3ReportWriter writer = default;
        bool open = false;
        foreach (var (address, slot) in _index)
        {
            if (_leaving[slot]) continue;
            if (open && !writer.TryAdd(IgmpGroupRecordType.ModeIsExclude, new Ipv4Address(address), []))
            {
                Send(packet, writer.Complete(), V3Routers, report: true);
                open = false;
            }
            if (!open)
            {
                if (!_stack.TryAllocateForTransport(out packet)) return;
                writer = new IgmpV3ReportWriter(_stack.WritableBytes(packet)[..(_stack.Mtu - 24)]);
                writer.TryAdd(IgmpGroupRecordType.ModeIsExclude, new Ipv4Address(address), []);
                open = true;
            }
        }
        if (open) Send(packet, writer.Complete(), V3Routers, report: true);
    }

    private void SendV1V2(IgmpRepr repr, Ipv4Address destination, bool report)
    {
        if (!_stack.TryAllocateForTransport(out Packet packet)) return;
        repr.Emit(new IgmpPacket(_stack.WritableBytes(packet)[..repr.MessageLength]));
        Send(packet, repr.MessageLength, destination, report);
    }

    private void Send(Packet packet, int length, Ipv4Address destination, bool report)
    {
        packet.Length = (ushort)length;
        if (report) _stack.Counters.IgmpReportsSent++;
        else _stack.Counters.IgmpLeavesSent++;
        // RFC 3376 section 4 and RFC 2236 section 2: TTL 1 and the Router Alert option.
        _stack.SendIpv4(packet, destination, IpProtocol.Igmp, routerAlert: true, ttl: 1);
    }

    private void CancelTimers(int slot)
    {
        _stack.Context?.Timers.Cancel(_responseTimers[slot]);
        _stack.Context?.Timers.Cancel(_retransmitTimers[slot]);
        _responseTimers[slot] = default;
        _retransmitTimers[slot] = default;
    }

    private void Release(int slot)
    {
        _index.Remove(_groups[slot]);
        _leaving[slot] = false;
        _references[slot] = 0;
        _generations[slot]++;
        _free[_freeCount++] = slot;
    }

    /// <summary>Uniform in [0, <paramref name="maximum"/>): xorshift64*, seeded per stack (no shared Random, no allocation).</summary>
    private long RandomDelay(long maximum)
    {
        _random ^= _random >> 12;
        _random ^= _random << 25;
        _random ^= _random >> 27;
        return (long)((_random * 0x2545_F491_4F6C_DD1DUL) % (ulong)maximum);
    }

    private static long Cookie(int kind, int slot, int generation) => (long)generation << 32 | (long)kind << 24 | (uint)slot;

    /// <summary>Keeps <see cref="ITimerHandler"/> off the public surface of <see cref="IgmpHost"/>.</summary>
    private sealed class TimerTarget(IgmpHost host) : ITimerHandler
    {
        public void OnTimer(long cookie, long nowNanoseconds) => host.OnTimer(cookie);
    }
}
