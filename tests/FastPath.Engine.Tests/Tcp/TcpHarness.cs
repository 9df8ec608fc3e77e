using FastPath.Engine.Memory;
using FastPath.Engine.Pcap;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;
using FastPath.Engine.Tests.Stack;
using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Tcp;

/// <summary>
/// TCP between stacks on an in-memory wire, every stack driven by hand the way a worker drives it
/// (receive, stack, drain TX, timers, poll) with one <see cref="ManualClock"/> for all of them.
/// <para>
/// Pair mode (<see cref="Pair"/>): stack A (10.0.0.1, <see cref="Frames.HostA"/>) and stack B (10.0.0.2,
/// <see cref="Frames.HostB"/>), each optionally sending through a <see cref="FaultInjectingPort"/> whose
/// reorder and delay timers run on the same manual clock, so a run is repeatable bit for bit.
/// </para>
/// <para>
/// Raw peer mode (<see cref="RawPeer"/>): only stack B runs; the test takes A's place, injects hand-built
/// segments (<see cref="RawTcpPeer"/>) and sees every segment B sends. The peer answers B's ARP requests by
/// itself, so tests deal in TCP only.
/// </para>
/// </summary>
internal sealed class TcpHarness : IDisposable
{
    public static readonly Ipv4Address IpA = Frames.IpA;
    public static readonly Ipv4Address IpB = Frames.IpB;
    public static readonly MacAddress MacA = Frames.HostA;
    public static readonly MacAddress MacB = Frames.HostB;

    private const int MaxLoops = 100_000;
    private readonly Packet[] _rawBurst = new Packet[64];
    private readonly IPacketPort? _rawPort;
    private bool _disposed;

    private TcpHarness(ManualClock clock, Endpoint? a, Endpoint b, IPacketPort? rawPort)
    {
        Clock = clock;
        A = a;
        B = b;
        _rawPort = rawPort;
    }

    public ManualClock Clock { get; }

    /// <summary>Stack A; null in raw peer mode (the test is A).</summary>
    public Endpoint? A { get; }

    /// <summary>Stack B: in raw peer mode, the stack under test.</summary>
    public Endpoint B { get; }

    /// <summary>The stack under test in raw peer mode.</summary>
    public NetworkStack Stack => B.Stack;

    public IPacketPort RawPort => _rawPort ?? throw new InvalidOperationException("not in raw peer mode");

    public static InterfaceConfig Config(Ipv4Address address, TcpOptions? tcp) => new()
    {
        Address = new Ipv4Cidr(address, 24),
        GratuitousArp = false,
        Tcp = tcp ?? new TcpOptions(),
    };

    /// <summary>Two stacks, A and B. <paramref name="faultsA"/> damages what A sends, <paramref name="faultsB"/> what B sends.</summary>
    /// <param name="capture">
    /// A pcap file name prefix: each stack's received frames (after the faults) go to PREFIX-a.pcap and
    /// PREFIX-b.pcap with the manual clock's time, for reading a failure in Wireshark. Not for CI.
    /// </param>
    public static TcpHarness Pair(TcpOptions? tcpA = null, TcpOptions? tcpB = null, FaultOptions? faultsA = null, FaultOptions? faultsB = null,
        int frameCount = 4096, int ringSize = 1024, string? capture = null)
    {
        var clock = new ManualClock(1_000_000_000);
        var (wireA, wireB) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = frameCount, RingSize = ringSize, MacA = MacA, MacB = MacB });
        var a = new Endpoint(wireA, WithClock(faultsA, clock), clock, new NetworkStack(Config(IpA, tcpA)), capture is null ? null : capture + "-a.pcap");
        var b = new Endpoint(wireB, WithClock(faultsB, clock), clock, new NetworkStack(Config(IpB, tcpB)), capture is null ? null : capture + "-b.pcap");
        var harness = new TcpHarness(clock, a, b, null);
        a.Stack.Start(a.Context);
        b.Stack.Start(b.Context);
        harness.Run();
        return harness;
    }

    /// <summary>Stack B alone; the test plays A through <see cref="RawTcpPeer"/>.</summary>
    public static TcpHarness RawPeer(TcpOptions? tcp = null, InterfaceConfig? config = null)
    {
        var clock = new ManualClock(1_000_000_000);
        var (wireA, wireB) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 1024, MacA = MacA, MacB = MacB });
        var b = new Endpoint(wireB, null, clock, new NetworkStack(config ?? Config(IpB, tcp)));
        var harness = new TcpHarness(clock, null, b, wireA);
        b.Stack.Start(b.Context);
        // B learns A's MAC the way it would from A's first contact, so its first segment needs no ARP round.
        harness.InjectFrame(StackFrames.Arp(ArpOperation.Request, MacA, IpA, MacAddress.Zero, IpB));
        harness.SentFrames();
        return harness;
    }

    private static FaultOptions? WithClock(FaultOptions? faults, ManualClock clock) => faults is null ? null : new FaultOptions
    {
        Seed = faults.Seed,
        LossRate = faults.LossRate,
        DuplicateRate = faults.DuplicateRate,
        ReorderRate = faults.ReorderRate,
        ReorderDepth = faults.ReorderDepth,
        ReorderTimeout = faults.ReorderTimeout,
        CorruptRate = faults.CorruptRate,
        Delay = faults.Delay,
        QueueCapacity = faults.QueueCapacity,
        Directions = faults.Directions,
        TimeProvider = new ManualTimeProvider(clock),
    };

    /// <summary>One loop iteration of every stack; true when any frame arrived anywhere.</summary>
    public bool Step()
    {
        bool received = B.Step();
        if (A is not null) received |= A.Step();
        return received;
    }

    /// <summary>Loop iterations until nothing more arrives anywhere (at the current time).</summary>
    public void Run()
    {
        for (int loop = 0; loop < MaxLoops; loop++)
        {
            if (!Step()) return;
        }
        throw new InvalidOperationException($"the stacks kept exchanging frames for {MaxLoops} loops without time passing");
    }

    /// <summary>Moves the clock in steps of at most <paramref name="step"/> (1 ms by default), running the stacks after each.</summary>
    public void Advance(TimeSpan by, TimeSpan? step = null)
    {
        long remaining = (long)(by.TotalMilliseconds * 1_000_000);
        long stepNanoseconds = step is TimeSpan s ? (long)(s.TotalMilliseconds * 1_000_000) : 1_000_000;
        while (remaining > 0)
        {
            long now = Math.Min(remaining, stepNanoseconds);
            Clock.AdvanceNanoseconds(now);
            remaining -= now;
            Run();
        }
    }

    /// <summary>Raw peer: A sends <paramref name="frame"/> and B runs until it has handled it.</summary>
    public void InjectFrame(byte[] frame)
    {
        Assert.True(RawPort.Pool.TryAllocate(out Packet packet), "the raw peer's pool ran out");
        frame.CopyTo(RawPort.Pool.Region.GetWritableSpan(packet));
        packet.Length = (ushort)frame.Length;
        Assert.Equal(1, RawPort.Transmit([packet]));
        Run();
    }

    /// <summary>Raw peer: every frame B has sent since the last call, ARP requests for A answered and left out.</summary>
    public List<byte[]> SentFrames()
    {
        var frames = new List<byte[]>();
        bool answered;
        do
        {
            answered = false;
            int count;
            while ((count = RawPort.Receive(_rawBurst)) > 0)
            {
                foreach (Packet packet in _rawBurst.AsSpan(0, count))
                {
                    byte[] frame = RawPort.Pool.Region.GetSpan(packet).ToArray();
                    RawPort.Pool.Free(packet);
                    if (IsArpRequestForA(frame))
                    {
                        answered = true;
                        continue;
                    }
                    frames.Add(frame);
                }
            }
            if (answered) InjectFrame(StackFrames.Arp(ArpOperation.Reply, MacA, IpA, MacB, IpB));
        }
        while (answered);
        return frames;
    }

    /// <summary>Raw peer: the TCP segments B sent since the last call (other frames are dropped).</summary>
    public List<Segment> SentSegments()
    {
        var segments = new List<Segment>();
        foreach (byte[] frame in SentFrames())
        {
            if (TcpSegments.TryParse(frame, out Segment segment)) segments.Add(segment);
        }
        return segments;
    }

    private static bool IsArpRequestForA(byte[] frame)
    {
        Span<byte> bytes = frame;
        if (!EthernetFrame.TryParse(bytes, out EthernetFrame ethernet) || ethernet.EtherType != EtherType.Arp) return false;
        return ArpPacket.TryParse(ethernet.Payload, out ArpPacket arp) && ArpRepr.TryParse(arp, out ArpRepr repr)
            && repr.Operation == ArpOperation.Request && repr.TargetProtocolAddress == IpA;
    }

    /// <summary>Stops the stacks and checks that every frame of every pool is back (nothing leaked, nothing freed twice).</summary>
    public void AssertAllFramesReturned()
    {
        A?.Stop();
        B.Stop();
        // Frames in flight land in the other side's pool; the stopped stacks still free what arrives.
        for (int i = 0; i < 4; i++)
        {
            A?.DrainAfterStop();
            B.DrainAfterStop();
            if (_rawPort is not null)
            {
                int count;
                while ((count = _rawPort.Receive(_rawBurst)) > 0) _rawPort.Pool.Free(_rawBurst.AsSpan(0, count));
                _rawPort.Flush();
            }
        }
        A?.AssertPoolFull();
        B.AssertPoolFull();
        if (_rawPort is not null) Assert.Equal(0, _rawPort.Pool.InUse);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        A?.Dispose();
        B.Dispose();
        _rawPort?.Dispose();
    }

    /// <summary>One stack with its port (faulty or not), timer wheel and worker context.</summary>
    internal sealed class Endpoint : IDisposable
    {
        private readonly Packet[] _burst = new Packet[64];
        private readonly ManualClock _clock;

        public Endpoint(MemoryPort wire, FaultOptions? faults, ManualClock clock, NetworkStack stack, string? capture = null)
        {
            _clock = clock;
            Wire = wire;
            Faults = faults is null ? null : new FaultInjectingPort(wire, faults);
            Port = Faults ?? (IPacketPort)wire;
            if (capture is not null) Port = new CapturePort(Port, PcapWriter.Create(capture), clock);
            Timers = new TimerWheel(clock.NowNanoseconds);
            Context = new WorkerContext(0, Port, clock, Timers, new TxBuffer(512));
            Stack = stack;
        }

        public MemoryPort Wire { get; }
        public FaultInjectingPort? Faults { get; }
        public IPacketPort Port { get; }
        public TimerWheel Timers { get; }
        public WorkerContext Context { get; }
        public NetworkStack Stack { get; }
        public TcpSockets Tcp => Stack.Tcp;

        /// <summary>One worker loop iteration; true when a frame arrived.</summary>
        public bool Step()
        {
            long now = _clock.NowNanoseconds;
            // Frames an API call queued since the last step (a Connect's SYN) count as activity too.
            bool transmitted = Context.Tx.Count > 0;
            int received = Port.Receive(_burst);
            Stack.Receive(_burst.AsSpan(0, received));
            Context.Tx.Drain(Port);
            Timers.Advance(now);
            Stack.Poll(now);
            transmitted |= Context.Tx.Count > 0;
            Context.Tx.Drain(Port);
            // Releases frames the fault port held back once their reorder timeout has passed.
            Port.Flush();
            return received > 0 || transmitted;
        }

        public void Stop() => Stack.Stop();

        public void DrainAfterStop()
        {
            Context.Tx.Drain(Port);
            // Not handed to the stopped stack: it would answer them with resets and the drain would never end.
            int count;
            while ((count = Port.Receive(_burst)) > 0) Port.Pool.Free(_burst.AsSpan(0, count));
            Port.Flush();
        }

        public void AssertPoolFull()
        {
            Assert.Equal(0, Context.Tx.Count);
            Assert.Equal(0, Faults?.Pending ?? 0);
            Assert.Equal(0, Port.Pool.InUse);
        }

        public void Dispose()
        {
            Stack.Stop();
            Context.Tx.Clear(Port.Pool);
            Port.Dispose();
        }
    }

    /// <summary>Records the frames a stack receives, stamped with the manual clock (PcapTapPort stamps wall time).</summary>
    private sealed class CapturePort(IPacketPort inner, PcapWriter writer, ManualClock clock) : IPacketPort
    {
        public PortInfo Info => inner.Info;
        public FramePool Pool => inner.Pool;
        public PortStats Stats => inner.Stats;

        public int Receive(Span<Packet> packets)
        {
            int count = inner.Receive(packets);
            var time = PcapTimestamp.FromUnixNanoseconds(clock.NowNanoseconds);
            foreach (Packet packet in packets[..count]) writer.Write(Pool.Region.GetSpan(packet), time);
            return count;
        }

        public int Transmit(ReadOnlySpan<Packet> packets) => inner.Transmit(packets);

        public void Flush() => inner.Flush();

        public void Dispose()
        {
            inner.Dispose();
            writer.Dispose();
        }
    }

    /// <summary>The harness's manual clock as a <see cref="TimeProvider"/>, for the fault port's reorder and delay timers.</summary>
    private sealed class ManualTimeProvider(ManualClock clock) : TimeProvider
    {
        public override long TimestampFrequency => 1_000_000_000;

        public override long GetTimestamp() => clock.NowNanoseconds;
    }
}

/// <summary>
/// The test's end of one connection with the stack under test in raw peer mode: it keeps the sequence
/// numbers of both sides from what went over the wire, builds segments relative to them, and records what
/// the connection's callbacks said.
/// </summary>
internal sealed class RawTcpPeer
{
    public const ushort DefaultStackPort = 80;
    public const ushort DefaultPeerPort = 40000;
    public const uint DefaultPeerIsn = 1_000_000;

    private readonly TcpHarness _harness;
    private bool _sawAck;

    public RawTcpPeer(TcpHarness harness, ushort stackPort = DefaultStackPort, ushort peerPort = DefaultPeerPort, uint peerIsn = DefaultPeerIsn)
    {
        _harness = harness;
        StackPort = stackPort;
        PeerPort = peerPort;
        PeerIsn = peerIsn;
        Next = peerIsn;
    }

    public TcpHarness Harness => _harness;
    public ushort StackPort { get; }
    public ushort PeerPort { get; }
    public uint PeerIsn { get; }

    /// <summary>The peer's SND.NXT: sequence number of its next new byte.</summary>
    public uint Next { get; set; }

    /// <summary>The stack's initial sequence number, from its SYN or SYN-ACK.</summary>
    public uint StackIsn { get; private set; }

    /// <summary>The stack's SND.NXT as seen on the wire (the highest sequence it sent, plus one): what the peer acknowledges.</summary>
    public uint StackNext { get; private set; }

    /// <summary>The highest acknowledgment the stack sent: its RCV.NXT.</summary>
    public uint StackAcknowledged { get; private set; }

    /// <summary>Window scale the stack announced (applied to the windows it sends after the handshake).</summary>
    public byte? StackWindowScale { get; private set; }

    /// <summary>Segment the stack sent in its SYN or SYN-ACK, for option checks.</summary>
    public Segment? StackSyn { get; private set; }

    public TcpListener? Listener { get; private set; }
    public TcpConnection? Connection { get; private set; }

    public int ClosedCalls { get; private set; }
    public TcpState StateWhenClosed { get; private set; }
    public TcpError ErrorWhenClosed { get; private set; }
    public List<byte> Urgent { get; } = [];

    /// <summary>What the peer's SYN and SYN-ACK carry: Linux's options without timestamps (so data segments are plain).</summary>
    public TcpRepr SynOptions { get; set; } = new() { MaxSegmentSize = 1460, SackPermitted = true, WindowScale = 7 };

    /// <summary>Window field of the peer's segments after the handshake (scaled by its window scale when agreed).</summary>
    public ushort Window { get; set; } = 65535;

    // ---- Getting connections ---------------------------------------------------------------------------------------------

    /// <summary>The stack listens on <see cref="StackPort"/>.</summary>
    public TcpListener Listen(bool reuseAddress = false) => Listener = _harness.Stack.Tcp.Listen(StackPort, reuseAddress);

    /// <summary>Uses a listener another peer object opened (several peers on one port).</summary>
    public void ShareListener(TcpListener listener) => Listener = listener;

    /// <summary>Listen, SYN in, SYN-ACK out: the stack's end is in SYN_RECEIVED.</summary>
    public Segment OpenToSynReceived()
    {
        Listener ??= Listen();
        SendSyn();
        Segment synAck = ExpectSingle();
        Assert.True(synAck.Flags == (TcpFlags.Syn | TcpFlags.Ack), $"expected SYN|ACK, got {synAck}");
        Assert.Equal(PeerIsn + 1, synAck.Acknowledgment);
        return synAck;
    }

    /// <summary>A passive open completed and accepted: the stack's end is ESTABLISHED.</summary>
    public TcpConnection OpenPassive()
    {
        OpenToSynReceived();
        Send(TcpFlags.Ack);
        Assert.True(Listener!.TryAccept(out TcpConnection? connection), "the handshake ACK did not complete the connection");
        Adopt(connection);
        Assert.Empty(_harness.SentSegments());
        return connection;
    }

    /// <summary>Connect from the stack: its SYN is out, the stack's end is in SYN_SENT.</summary>
    public Segment ConnectToSynSent()
    {
        Adopt(_harness.Stack.Tcp.Connect(TcpHarness.IpA, PeerPort, StackPort));
        Segment syn = ExpectSingle();
        Assert.True(syn.Flags == TcpFlags.Syn, $"expected SYN, got {syn}");
        return syn;
    }

    /// <summary>An active open completed by the peer's SYN-ACK: ESTABLISHED.</summary>
    public TcpConnection OpenActive()
    {
        ConnectToSynSent();
        SendSynAck();
        Segment ack = ExpectSingle();
        Assert.True(ack.Flags == TcpFlags.Ack, $"expected the handshake ACK, got {ack}");
        return Connection!;
    }

    public void Adopt(TcpConnection connection)
    {
        Connection = connection;
        connection.Closed = c =>
        {
            ClosedCalls++;
            StateWhenClosed = c.State;
            ErrorWhenClosed = c.Error;
        };
        connection.UrgentReceived = (_, value) => Urgent.Add(value);
    }

    // ---- Sending -------------------------------------------------------------------------------------------------------

    public void SendSyn() => SendHandshake(TcpFlags.Syn, 0);

    public void SendSynAck() => SendHandshake(TcpFlags.Syn | TcpFlags.Ack, StackNext);

    private void SendHandshake(TcpFlags flags, uint ack)
    {
        Next = PeerIsn;
        Send(flags, seq: PeerIsn, ack: ack, window: 64240, options: SynOptions);
    }

    /// <summary>
    /// A segment from the peer: sequence <see cref="Next"/> and acknowledgment <see cref="StackNext"/> unless given.
    /// <see cref="Next"/> advances past what a segment sent at it occupies.
    /// </summary>
    public void Send(TcpFlags flags, byte[]? payload = null, uint? seq = null, uint? ack = null, ushort? window = null, ushort urgentPointer = 0,
        TcpRepr? options = null, bool badChecksum = false)
    {
        payload ??= [];
        uint sequence = seq ?? Next;
        var header = (options ?? new TcpRepr()) with
        {
            SourcePort = PeerPort,
            DestinationPort = StackPort,
            SequenceNumber = sequence,
            AcknowledgmentNumber = (flags & TcpFlags.Ack) != 0 ? ack ?? StackNext : ack ?? 0,
            Flags = flags,
            Window = window ?? Window,
            UrgentPointer = urgentPointer,
        };
        if (sequence == Next && (flags & TcpFlags.Rst) == 0)
        {
            Next += (uint)payload.Length + ((flags & TcpFlags.Syn) != 0 ? 1u : 0u) + ((flags & TcpFlags.Fin) != 0 ? 1u : 0u);
        }
        byte[] frame = TcpSegments.Frame(header, payload);
        _harness.InjectFrame(badChecksum ? TcpSegments.WithBadTcpChecksum(frame) : frame);
    }

    /// <summary>Acknowledges everything the stack has sent.</summary>
    public void SendAck(ushort? window = null) => Send(TcpFlags.Ack, window: window);

    // ---- Receiving -----------------------------------------------------------------------------------------------------

    /// <summary>The segments the stack sent on this connection since the last call; the stack's sequence state follows them.</summary>
    public List<Segment> Received()
    {
        _harness.Run();
        var segments = new List<Segment>();
        foreach (Segment segment in _harness.SentSegments())
        {
            Assert.True(segment.ChecksumValid, $"the stack sent a bad checksum: {segment}");
            if (segment.Header.SourcePort != StackPort || segment.Header.DestinationPort != PeerPort) continue;
            Observe(segment);
            segments.Add(segment);
        }
        return segments;
    }

    /// <summary>The one segment the stack sent.</summary>
    public Segment ExpectSingle()
    {
        List<Segment> segments = Received();
        Assert.True(segments.Count == 1, $"expected one segment from the stack, got {segments.Count}:\n{TcpSegments.Describe(segments)}");
        return segments[0];
    }

    public void ExpectNothing()
    {
        List<Segment> segments = Received();
        Assert.True(segments.Count == 0, $"expected no segment from the stack, got:\n{TcpSegments.Describe(segments)}");
    }

    private void Observe(Segment segment)
    {
        if ((segment.Flags & TcpFlags.Rst) != 0) return;
        if ((segment.Flags & TcpFlags.Syn) != 0)
        {
            StackIsn = segment.Sequence;
            StackNext = segment.Sequence;
            StackSyn = segment;
            StackWindowScale = segment.Header.WindowScale;
        }
        uint end = segment.Sequence + segment.SequenceLength;
        if (StackSyn is null || (int)(end - StackNext) > 0) StackNext = end;
        if ((segment.Flags & TcpFlags.Ack) != 0 && (!_sawAck || (int)(segment.Acknowledgment - StackAcknowledged) > 0))
        {
            StackAcknowledged = segment.Acknowledgment;
            _sawAck = true;
        }
    }
}
