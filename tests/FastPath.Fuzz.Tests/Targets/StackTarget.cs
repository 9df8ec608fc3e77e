using System.Buffers.Binary;
using FastPath.Engine.Interop;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;
using FastPath.TestKit;
using FastPath.Wire;
using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;

namespace FastPath.Fuzz.Tests.Targets;

/// <summary>
/// A whole <see cref="NetworkStack"/> on a <see cref="MemoryPort"/>, driven by hand with a manual clock, with
/// something behind every protocol: a UDP socket with a queue (port 5000), a UDP handler on a joined group
/// (239.1.2.3:5001, and 239.7.7.7 joined too), a TCP listener (8080) and an established connection on it, a
/// connection of its own in SYN_SENT (to the peer's 9999, which never answers),
/// an echo-reply handler, the peer in the ARP cache. Each input goes in alone, so every counter it moves is
/// its own:
/// <list type="bullet">
/// <item>it is counted received once; a frame that reaches neither ARP nor IPv4 delivery is dropped for exactly one reason and sends nothing;</item>
/// <item>a frame delivered is dropped for at most one input reason (a fragment may also end its datagram, and evict the oldest),
/// and one not dropped was taken by something (a socket, a reply, IGMP, TCP, reassembly, a handler);</item>
/// <item>after each frame, the pool's frames in use are exactly those the UDP queue and the ARP resolver's queue hold;</item>
/// <item>after a batch and the clock moved past every timer that holds a frame, the pool holds exactly what the UDP queue holds.</item>
/// </list>
/// Inputs sit at the end of a frame followed by a PROT_NONE page (the region's last page), so an overread by
/// the stack's Unsafe reads faults.
/// </summary>
internal sealed class StackTarget : IDisposable
{
    public static readonly MacAddress StackMac = TestFrames.HostB;
    public static readonly MacAddress PeerMac = TestFrames.HostA;
    public static readonly Ipv4Address StackIp = TestFrames.IpB;
    public static readonly Ipv4Address PeerIp = TestFrames.IpA;
    public static readonly Ipv4Address Group = new(239, 1, 2, 3);
    public static readonly Ipv4Address OtherGroup = new(239, 7, 7, 7);
    public const ushort UdpQueuePort = 5000;
    public const ushort UdpGroupPort = 5001;
    public const ushort TcpPort = 8080;
    public const ushort ActiveRemotePort = 9999;

    private const int FrameCount = 1024;
    private const int FrameSize = 2048;
    private const int MapFixed = 0x10;
    private const long Second = 1_000_000_000;

    private readonly FrameRegion _region;
    private readonly FrameRegion _peerRegion;
    private readonly nint _guard;
    private readonly uint _guardFrame;
    private readonly Packet[] _burst = new Packet[64];
    private readonly Packet[] _stash = new Packet[64];
    private readonly byte[] _receiveBuffer = new byte[65536];
    private readonly StackCounterDeltas _deltas = new();
    private readonly Random _random;
    private readonly UdpSocket _queueSocket;
    private readonly TcpListener _listener;
    private long _handlerDeliveries;
    private ushort _nextPeerPort = 40000;
    private bool _disposed;

    public StackTarget(ulong seed)
    {
        _random = new Random((int)(seed ^ seed >> 32) ^ 0x5AC);
        _region = FrameRegion.Create(FrameCount, FrameSize);
        _peerRegion = FrameRegion.Create(FrameCount, FrameSize);
        // The region's last page becomes the guard (MAP_FIXED over our own mapping takes nobody else's page); the
        // pool leaves its frames out, and the frame just before it is where inputs go.
        int page = Environment.SystemPageSize;
        int reserved = Math.Max(1, page / FrameSize);
        _guardFrame = (uint)(FrameCount - reserved - 1);
        nint guardAddress = _region.BaseAddress + (nint)(_region.Length - page);
        _guard = Mman.Map(guardAddress, (nuint)page, 0, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | MapFixed, -1, 0) == guardAddress ? guardAddress : 0;
        (Port, Peer) = MemoryPort.CreatePair(new FramePool(_region, 0, FrameCount - reserved), new FramePool(_peerRegion),
            new MemoryPortOptions { MacA = StackMac, MacB = PeerMac, RingSize = 2048 });
        PutGuardFrameOnTop(Port.Pool, _guardFrame);
        Clock = new ManualClock(1000 * Second);
        Timers = new TimerWheel(Clock.NowNanoseconds);
        Context = new WorkerContext(0, Port, Clock, Timers, new TxBuffer(512));
        Stack = new NetworkStack(new InterfaceConfig
        {
            Address = new Ipv4Cidr(StackIp, 24),
            Gateway = new Ipv4Address(10, 0, 0, 254),
            ReplyToBroadcastEcho = true,
            Tcp = new TcpOptions { MaxConnections = 256, SynBacklog = 64, AcceptBacklog = 64 },
        });
        Stack.EchoReplyHandler = _ => _handlerDeliveries++;
        _queueSocket = Stack.Udp.Bind(UdpQueuePort, queueCapacity: 64);
        Stack.Udp.Bind(UdpGroupPort, (_, _) => _handlerDeliveries++, Group);
        Stack.Igmp.Join(OtherGroup);
        _listener = Stack.Tcp.Listen(TcpPort);
        Stack.Start(Context);
        Pump();
        Establish();
        OpenActive();
        EndBatch();
    }

    public MemoryPort Port { get; }
    public MemoryPort Peer { get; }
    public ManualClock Clock { get; }
    public TimerWheel Timers { get; }
    public WorkerContext Context { get; }
    public NetworkStack Stack { get; }

    /// <summary>The established connection mutants aim at: its peer port, and the next sequence numbers each way.</summary>
    public TcpConnection? Connection { get; private set; }
    public ushort ConnectionPeerPort { get; private set; }
    public uint PeerNext { get; private set; }
    public uint StackNext { get; private set; }

    /// <summary>A connection the stack opened itself (SYN sent, never answered by the harness): mutants aim SYN-ACKs at it.</summary>
    public TcpConnection? ActiveConnection { get; private set; }
    public ushort ActiveLocalPort { get; private set; }
    public uint ActiveNext { get; private set; }

    /// <summary>Inputs that went in at the end of the guarded frame, and those that could not (the frame was held).</summary>
    public long Guarded { get; private set; }
    public long Unguarded { get; private set; }
    public bool HasGuardPage => _guard != 0;

    /// <summary>Feeds one frame and checks what it did to the counters. Throws <see cref="FuzzFailureException"/> on a broken rule.</summary>
    public void Feed(ReadOnlySpan<byte> frame)
    {
        int length = Math.Min(frame.Length, FrameSize);
        Packet packet = TakeFrame();
        packet.Offset = (ushort)(FrameSize - length);
        packet.Length = (ushort)length;
        frame[..length].CopyTo(_region.GetWritableSpan(packet));
        _deltas.Begin(Stack.Counters, Stack.Tcp.Counters);
        long handlerBefore = _handlerDeliveries;
        _burst[0] = packet;
        Stack.Receive(_burst.AsSpan(0, 1));
        _deltas.End(Stack.Counters, Stack.Tcp.Counters, _handlerDeliveries - handlerBefore);
        Check();
        Pump();
        // Every frame is free again but those a queue holds for a reason: the UDP socket's, the ARP resolver's.
        int held = _queueSocket.QueuedCount + Stack.ArpQueuedFrames + Context.Tx.Count;
        if (Port.Pool.InUse != held)
            throw new FuzzFailureException($"stack: frame leak: {Port.Pool.InUse} frames in use after this frame, the UDP queue, ARP queue and TX buffer hold {held} ({_deltas.Describe()})");
        // Mostly a millisecond or two between frames, sometimes seconds: delayed ACKs, RTOs and ARP retries fire mid-batch.
        Clock.AdvanceNanoseconds(_random.Next(16) == 0 ? _random.Next(5000) * 1_000_000L : _random.Next(2_000_000));
        Pump();
    }

    private void Check()
    {
        StackCounterDeltas d = _deltas;
        if (d.Rx != 1) throw new FuzzFailureException($"stack: one frame counted {d.Rx} times received ({d.Describe()})");
        long reached = d.ArpReceived + d.Ipv4Delivered;
        if (reached > 1) throw new FuzzFailureException($"stack: one frame counted both as ARP and IPv4, or twice ({d.Describe()})");
        if (reached == 0)
        {
            if (d.DropsTotal != 1 || d.Tx != 0)
                throw new FuzzFailureException($"stack: a frame stopped before ARP/IPv4 must be one drop and send nothing ({d.Describe()})");
            return;
        }
        // Output reasons count frames the stack built (replies, resets, ARP queue), not the input.
        long output = d.Dropped(StackDropReason.TxBufferFull) + d.Dropped(StackDropReason.NoBuffer) + d.Dropped(StackDropReason.ArpQueueFull)
            + d.Dropped(StackDropReason.NoArpEntry) + d.Dropped(StackDropReason.NoRoute);
        long input = d.DropsTotal - output;
        if (d.Fragments > 0)
        {
            // A fragment may end its own datagram (invalid, overlap) and open a slot by evicting the oldest; a completed
            // datagram is then dropped or delivered by its protocol like any other.
            long datagram = d.Dropped(StackDropReason.ReassemblyOverflow) + d.Dropped(StackDropReason.FragmentInvalid) + d.Dropped(StackDropReason.FragmentOverlap);
            if (datagram > 2 || input - datagram > 1)
                throw new FuzzFailureException($"stack: a fragment caused more drops than a fragment can ({d.Describe()})");
            return;
        }
        if (input > 1) throw new FuzzFailureException($"stack: one frame dropped for {input} reasons ({d.Describe()})");
        if (input == 0 && d.ArpReceived == 0 && d.Delivered == 0 && output == 0)
            throw new FuzzFailureException($"stack: a frame delivered to IPv4 was neither dropped nor taken by anything: lost without a count ({d.Describe()})");
    }

    /// <summary>
    /// Ends a batch: moves the clock ten minutes, a second at a time, so that every timer that holds a frame
    /// (ARP queue, reassembly, SYN-ACK retransmits, TIME_WAIT) has fired, then checks that the pool holds
    /// exactly the frames in the UDP queue, and empties it. Re-establishes the connection if a mutant ended it.
    /// </summary>
    public void EndBatch()
    {
        for (int i = 0; i < 600; i++)
        {
            Clock.AdvanceNanoseconds(Second);
            Pump();
        }
        Port.Flush();
        Peer.Flush();
        int queued = _queueSocket.QueuedCount;
        if (Context.Tx.Count != 0) throw new FuzzFailureException($"stack: {Context.Tx.Count} frames left in the TX buffer after draining");
        if (Port.Pool.InUse != queued)
            throw new FuzzFailureException($"stack: frame pool leak: {Port.Pool.InUse} frames in use after every timer ran, the UDP queue holds {queued}");
        if (Peer.Pool.InUse != 0) throw new FuzzFailureException($"stack: the peer's pool holds {Peer.Pool.InUse} frames after draining");
        while (_queueSocket.TryReceive(out UdpReceived received)) _queueSocket.Release(received);
        while (_listener.TryAccept(out TcpConnection? accepted))
        {
            if (!ReferenceEquals(accepted, Connection)) accepted.Abort();
        }
        if (Connection is null || Connection.State != TcpState.Established)
        {
            Connection?.Abort();
            Pump();
            Establish();
        }
        if (ActiveConnection is null || ActiveConnection.State != TcpState.SynSent)
        {
            ActiveConnection?.Abort();
            Pump();
            OpenActive();
        }
    }

    /// <summary>One worker loop's worth: TX to the wire, the peer's side read (and freed), timers, poll, the connection read.</summary>
    public void Pump()
    {
        // Until a round neither sends nor receives: a frame a timer sent in the round's second half is still on the
        // wire, and only the next round's peer drain hands it back to the pool.
        for (int round = 0; round < 16; round++)
        {
            int sent = Context.Tx.Drain(Port);
            bool any = DrainPeer();
            Timers.Advance(Clock.NowNanoseconds);
            Stack.Poll(Clock.NowNanoseconds);
            if (Connection is { } connection)
            {
                while (connection.Receive(_receiveBuffer) > 0) { }
            }
            sent += Context.Tx.Drain(Port);
            if (sent == 0 && !any && Context.Tx.Count == 0) break;
        }
    }

    private bool DrainPeer()
    {
        bool any = false;
        int count;
        while ((count = Peer.Receive(_burst)) > 0)
        {
            any = true;
            foreach (Packet packet in _burst.AsSpan(0, count))
            {
                Observe(_peerRegion.GetSpan(packet));
                Peer.Pool.Free(packet);
            }
        }
        Port.Flush();
        return any;
    }

    /// <summary>Follows the stack's sequence numbers on the established connection, so that mutants can aim inside its window.</summary>
    private void Observe(Span<byte> frame)
    {
        if (!EthernetFrame.TryParse(frame, out EthernetFrame ethernet) || ethernet.EtherType != EtherType.Ipv4) return;
        if (!Ipv4Packet.TryParse(ethernet.Payload, out Ipv4Packet ip) || ip.Protocol != IpProtocol.Tcp) return;
        if (!TcpPacket.TryParse(ip.Payload, out TcpPacket tcp)) return;
        if (tcp.DestinationPort == ActiveRemotePort && tcp.SourcePort == ActiveLocalPort && (tcp.Flags & TcpFlags.Syn) != 0)
        {
            ActiveNext = tcp.SequenceNumber + 1;
            return;
        }
        if (tcp.SourcePort != TcpPort || tcp.DestinationPort != ConnectionPeerPort) return;
        uint end = tcp.SequenceNumber + (uint)tcp.Payload.Length + ((tcp.Flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0 ? 1u : 0u);
        if ((tcp.Flags & TcpFlags.Syn) != 0) StackNext = end;
        else if ((tcp.Flags & TcpFlags.Rst) == 0 && (int)(end - StackNext) > 0) StackNext = end;
    }

    /// <summary>A SYN from a fresh peer port, the SYN-ACK read off the wire, the ACK: an accepted, established connection.</summary>
    private void Establish()
    {
        // The peer's ARP entry may have expired (a batch end moves the clock ten minutes) or been changed by a mutant.
        Inject(ArpRequestFromPeer());
        ConnectionPeerPort = _nextPeerPort++;
        if (_nextPeerPort < 40000) _nextPeerPort = 40000;
        uint isn = (uint)_random.Next();
        StackNext = 0;
        Connection = null;
        Inject(TestFrames.Tcp(new TcpRepr
        {
            SourcePort = ConnectionPeerPort, DestinationPort = TcpPort, SequenceNumber = isn, Flags = TcpFlags.Syn, Window = 64240,
            MaxSegmentSize = 1460, SackPermitted = true, WindowScale = 7,
        }, []));
        // Observe saw the SYN-ACK: StackNext is its sequence number plus one.
        PeerNext = isn + 1;
        Inject(TestFrames.Tcp(new TcpRepr
        {
            SourcePort = ConnectionPeerPort, DestinationPort = TcpPort, SequenceNumber = PeerNext, AcknowledgmentNumber = StackNext,
            Flags = TcpFlags.Ack, Window = 65535,
        }, []));
        while (_listener.TryAccept(out TcpConnection? connection))
        {
            if (connection.State == TcpState.Established && Connection is null)
            {
                Connection = connection;
                // Connection objects are pooled: once closed, this one may come back as somebody else's.
                connection.Closed = closed =>
                {
                    if (ReferenceEquals(closed, Connection)) Connection = null;
                };
            }
            else
            {
                connection.Abort();
            }
        }
        if (Connection is null) throw new FuzzFailureException("stack: the harness's TCP handshake (SYN, SYN-ACK, ACK) did not establish a connection");
        Pump();
    }

    /// <summary>The stack connects to the peer's port 9999; the harness never answers, so it stays in SYN_SENT (until a mutant answers).</summary>
    private void OpenActive()
    {
        ActiveConnection = null;
        TcpConnection connection = Stack.Tcp.Connect(PeerIp, ActiveRemotePort);
        ActiveLocalPort = connection.LocalPort;
        connection.Closed = closed =>
        {
            if (ReferenceEquals(closed, ActiveConnection)) ActiveConnection = null;
        };
        ActiveConnection = connection;
        Pump();
    }

    private static byte[] ArpRequestFromPeer()
    {
        var frame = new byte[EthernetFrame.MinimumFrameLength];
        new EthernetRepr(PeerMac, MacAddress.Broadcast, EtherType.Arp).Emit(new EthernetFrame(frame));
        new ArpRepr(ArpOperation.Request, PeerMac, PeerIp, MacAddress.Zero, StackIp).Emit(new ArpPacket(frame.AsSpan(EthernetFrame.UntaggedHeaderLength)));
        return frame;
    }

    /// <summary>A frame the harness itself sends (set-up, not a mutant): no checks.</summary>
    private void Inject(byte[] frame)
    {
        if (!Port.Pool.TryAllocate(out Packet packet)) throw new InvalidOperationException("the stack's pool is empty");
        frame.CopyTo(_region.GetWritableSpan(packet));
        packet.Length = (ushort)frame.Length;
        _burst[0] = packet;
        Stack.Receive(_burst.AsSpan(0, 1));
        Pump();
    }

    /// <summary>
    /// The region's last frame if it is free (it borders the guard page), else any frame. The pool is LIFO, so
    /// the frame the stack freed last is on top; the few frames popped to reach it go straight back.
    /// </summary>
    private Packet TakeFrame()
    {
        uint last = _guardFrame;
        int stashed = 0;
        Packet found = default;
        bool guarded = false;
        while (stashed < _stash.Length && Port.Pool.TryAllocate(out Packet packet))
        {
            if (packet.Frame == last)
            {
                found = packet;
                guarded = true;
                break;
            }
            _stash[stashed++] = packet;
        }
        for (int i = stashed - 1; i >= 0; i--) Port.Pool.Free(_stash[i]);
        if (!guarded && !Port.Pool.IsFree(last))
        {
            // The UDP queue is what keeps a received frame: read it (an application would) to get the frame back.
            while (_queueSocket.TryReceive(out UdpReceived received)) _queueSocket.Release(received);
        }
        if (!guarded && Port.Pool.IsFree(last))
        {
            // Free but deep in the pool (a reply went out in it and came back late): bring it to the top.
            PutGuardFrameOnTop(Port.Pool, last);
            guarded = Port.Pool.TryAllocate(out found);
        }
        if (!guarded && !Port.Pool.TryAllocate(out found)) throw new FuzzFailureException("stack: the frame pool is empty: frames leaked");
        if (guarded && _guard != 0) Guarded++;
        else Unguarded++;
        return found;
    }

    /// <summary>Reorders the free pool so that the frame next to the guard page is the next one handed out.</summary>
    private static void PutGuardFrameOnTop(FramePool pool, uint last)
    {
        var all = new Packet[pool.Available];
        int count = pool.AllocateBurst(all);
        foreach (Packet packet in all.AsSpan(0, count))
        {
            if (packet.Frame != last) pool.Free(packet);
        }
        foreach (Packet packet in all.AsSpan(0, count))
        {
            if (packet.Frame == last) pool.Free(packet);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Stack.Stop();
        Context.Tx.Clear(Port.Pool);
        Port.Dispose();
        Peer.Dispose();
        _region.Dispose();
        _peerRegion.Dispose();
    }

    /// <summary>Rewrites a seed so it is addressed to this stack (and, for TCP, often to its connection), checksums fixed.</summary>
    public void Retarget(Mutation.Mutant mutant)
    {
        Span<byte> frame = mutant.Bytes;
        if (frame.Length < 14) return;
        var layout = Mutation.FrameLayout.Of(frame);
        bool groupDestination = (frame[0] & 1) != 0;
        if (!groupDestination || _random.Next(8) == 0) StackMac.CopyTo(frame);
        PeerMac.CopyTo(frame[6..]);
        if (layout.Arp >= 0 && layout.Arp + 28 <= frame.Length)
        {
            Span<byte> arp = frame[layout.Arp..];
            if (_random.Next(4) != 0)
            {
                PeerMac.CopyTo(arp[8..]);
                BinaryPrimitives.WriteUInt32BigEndian(arp[14..], _random.Next(4) == 0 ? (uint)_random.Next() : PeerIp.Value);
            }
            BinaryPrimitives.WriteUInt32BigEndian(arp[24..], _random.Next(8) == 0 ? (uint)_random.Next() : StackIp.Value);
            return;
        }
        if (layout.Ip < 0) return;
        Span<byte> ip = frame[layout.Ip..];
        uint destination = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
        bool group = destination >= 0xE000_0000 && destination < 0xF000_0000;
        if (group && _random.Next(2) == 0) BinaryPrimitives.WriteUInt32BigEndian(ip[16..], _random.Next(2) == 0 ? Group.Value : OtherGroup.Value);
        else if (!group || _random.Next(4) == 0) BinaryPrimitives.WriteUInt32BigEndian(ip[16..], _random.Next(16) == 0 ? 0xFFFF_FFFFu : StackIp.Value);
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], _random.Next(16) == 0 ? (uint)_random.Next() : PeerIp.Value);
        if (group || destination == 0xFFFF_FFFF) StackMac.CopyTo(frame);
        if ((BinaryPrimitives.ReadUInt32BigEndian(ip[16..]) & 0xF000_0000) == 0xE000_0000)
            MacAddress.FromIpv4Multicast(new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(ip[16..]))).CopyTo(frame);
        int transport = layout.Transport;
        if (transport >= 0 && layout.IsFirstFragment)
        {
            Span<byte> l4 = frame[transport..];
            switch (layout.Protocol)
            {
                case Mutation.FrameLayout.Tcp when l4.Length >= 20:
                    int aim = _random.Next(10);
                    if (aim < 6 && Connection is not null)
                    {
                        BinaryPrimitives.WriteUInt16BigEndian(l4, ConnectionPeerPort);
                        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], TcpPort);
                        uint seq = PeerNext + (uint)(_random.Next(4) switch { 0 => 0, 1 => _random.Next(-3000, 3000), 2 => _random.Next(1 << 20), _ => _random.Next() });
                        uint ack = StackNext + (uint)(_random.Next(4) switch { 0 => 0, 1 => _random.Next(-4, 4), 2 => _random.Next(-70000, 70000), _ => _random.Next() });
                        BinaryPrimitives.WriteUInt32BigEndian(l4[4..], seq);
                        BinaryPrimitives.WriteUInt32BigEndian(l4[8..], ack);
                    }
                    else if (aim < 8 && ActiveConnection is not null)
                    {
                        BinaryPrimitives.WriteUInt16BigEndian(l4, ActiveRemotePort);
                        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], ActiveLocalPort);
                        uint ack = ActiveNext + (uint)(_random.Next(3) switch { 0 => 0, 1 => _random.Next(-4, 4), _ => _random.Next() });
                        BinaryPrimitives.WriteUInt32BigEndian(l4[8..], ack);
                        if (_random.Next(2) == 0) l4[13] = (byte)(TcpFlags.Syn | TcpFlags.Ack);
                    }
                    else if (aim < 9)
                    {
                        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], TcpPort);
                    }
                    break;
                case Mutation.FrameLayout.Udp when l4.Length >= 8:
                    if (_random.Next(3) != 0) BinaryPrimitives.WriteUInt16BigEndian(l4[2..], _random.Next(2) == 0 ? UdpQueuePort : UdpGroupPort);
                    break;
            }
        }
        Mutation.Checksums.Fix(frame);
    }
}
