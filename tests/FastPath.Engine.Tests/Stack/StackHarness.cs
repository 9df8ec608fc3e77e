using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Stack;

/// <summary>
/// A stack on port A of an in-memory wire, driven by hand the way a worker drives it (receive, stack,
/// drain TX, timers, poll), and a peer on port B that injects frames and collects what the stack sends.
/// The stack is 10.0.0.2/24 with MAC <see cref="Frames.HostB"/>; the peer is 10.0.0.1 with
/// <see cref="Frames.HostA"/>, so TestKit's <see cref="Frames"/> build peer-to-stack frames by default.
/// </summary>
internal sealed class StackHarness : IDisposable
{
    public static readonly Ipv4Address StackIp = Frames.IpB;
    public static readonly MacAddress StackMac = Frames.HostB;
    public static readonly Ipv4Address PeerIp = Frames.IpA;
    public static readonly MacAddress PeerMac = Frames.HostA;

    private readonly Packet[] _burst = new Packet[64];
    private bool _disposed;

    /// <param name="peerFaults">Damage done to what the peer sends (loss, duplication, reordering, corruption).</param>
    /// <param name="stack">A stack made by the test (then <paramref name="config"/> is not used).</param>
    public StackHarness(InterfaceConfig? config = null, MemoryPortOptions? options = null, bool start = true, FaultOptions? peerFaults = null,
        NetworkStack? stack = null)
    {
        MemoryPort peerWire;
        (Port, peerWire) = MemoryPort.CreatePair(options ?? new MemoryPortOptions { FrameCount = 1024, MacA = StackMac, MacB = PeerMac });
        Peer = peerFaults is null ? peerWire : new FaultInjectingPort(peerWire, peerFaults);
        Clock = new ManualClock(1_000_000_000);
        Timers = new TimerWheel(Clock.NowNanoseconds);
        Context = new WorkerContext(0, Port, Clock, Timers, new TxBuffer(256));
        Stack = stack ?? new NetworkStack(config ?? Config());
        if (start) Start();
    }

    public MemoryPort Port { get; }
    public IPacketPort Peer { get; }
    public ManualClock Clock { get; }
    public TimerWheel Timers { get; }
    public WorkerContext Context { get; }
    public NetworkStack Stack { get; }

    public static InterfaceConfig Config(Ipv4Address? gateway = null) => new()
    {
        Address = new Ipv4Cidr(StackIp, 24),
        Gateway = gateway ?? default,
    };

    public void Start()
    {
        Stack.Start(Context);
        Run();
    }

    /// <summary>Loop iterations until nothing more arrives: receive, stack, drain TX, timers, poll.</summary>
    public void Run(int minimumLoops = 1)
    {
        for (int loop = 0; loop < 1000; loop++)
        {
            int received = Port.Receive(_burst);
            Stack.Receive(_burst.AsSpan(0, received));
            Context.Tx.Drain(Port);
            Timers.Advance(Clock.NowNanoseconds);
            Stack.Poll(Clock.NowNanoseconds);
            Context.Tx.Drain(Port);
            if (received == 0 && loop + 1 >= minimumLoops) return;
        }
        throw new InvalidOperationException("the stack kept receiving for 1000 loops");
    }

    /// <summary>The peer sends <paramref name="frames"/>; the stack runs until it has handled them.</summary>
    public void Inject(params byte[][] frames)
    {
        foreach (byte[] frame in frames)
        {
            Assert.True(Peer.Pool.TryAllocate(out Packet packet), "the peer's pool ran out");
            frame.CopyTo(Peer.Pool.Region.GetWritableSpan(packet));
            packet.Length = (ushort)frame.Length;
            Assert.Equal(1, Peer.Transmit([packet]));
        }
        Run();
    }

    /// <summary>Everything the stack has sent so far, as byte arrays (the peer's frames are freed).</summary>
    public List<byte[]> Sent()
    {
        var frames = new List<byte[]>();
        int count;
        while ((count = Peer.Receive(_burst)) > 0)
        {
            foreach (Packet packet in _burst.AsSpan(0, count))
            {
                frames.Add(Peer.Pool.Region.GetSpan(packet).ToArray());
                Peer.Pool.Free(packet);
            }
        }
        return frames;
    }

    /// <summary>The one frame the stack sent.</summary>
    public byte[] SentSingle()
    {
        List<byte[]> sent = Sent();
        Assert.True(sent.Count == 1, $"expected one frame from the stack, got {sent.Count}");
        return sent[0];
    }

    public void Advance(TimeSpan by)
    {
        Clock.Advance(by);
        Run();
    }

    public long Dropped(StackDropReason reason) => Stack.GetCounters().Dropped(reason);

    /// <summary>Stops the stack and checks that every frame of both pools is back (nothing leaked, nothing freed twice).</summary>
    public void AssertAllFramesReturned()
    {
        Stack.Stop();
        Context.Tx.Drain(Port);
        Sent();
        Port.Flush();
        Peer.Flush();
        Assert.Equal(0, Context.Tx.Count);
        Assert.Equal(0, Port.Pool.InUse);
        Assert.Equal(0, Peer.Pool.InUse);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Stack.Stop();
        Context.Tx.Clear(Port.Pool);
        Port.Dispose();
        Peer.Dispose();
    }
}
