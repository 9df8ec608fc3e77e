using BenchmarkDotNet.Attributes;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;

namespace FastPath.Benchmarks;

/// <summary>
/// The IPv4 stack per packet, in memory, on one core: bursts of 32 frames written into pool frames (as a
/// NIC would DMA them), handed to <see cref="NetworkStack.Receive"/>, and what the stack queues for
/// transmission freed. <see cref="Baseline"/> is that harness alone (allocate, write the frame, free), so
/// the stack's own cost is the difference. Targets: ICMP echo request in, reply out, at most 30 ns per
/// packet; a UDP datagram to a bound socket (handler reads the payload), at most 30 ns per packet.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class StackBenchmarks
{
    private const int Burst = 32;
    private const int Bursts = 32;
    private const int PacketsPerInvoke = Burst * Bursts;

    private static readonly MacAddress StackMac = MacAddress.Parse("02:00:00:00:00:0b");
    private static readonly MacAddress PeerMac = MacAddress.Parse("02:00:00:00:00:0a");
    private static readonly Ipv4Address StackIp = Ipv4Address.Parse("10.0.0.2");
    private static readonly Ipv4Address PeerIp = Ipv4Address.Parse("10.0.0.1");

    private MemoryPort _port = null!;
    private MemoryPort _peer = null!;
    private WorkerContext _context = null!;
    private NetworkStack _stack = null!;
    private FramePool _pool = null!;
    private readonly Packet[] _burst = new Packet[Burst];
    private byte[] _echoRequest = null!;
    private byte[] _udpDatagram = null!;
    private long _udpBytes;

    [GlobalSetup]
    public void Setup()
    {
        (_port, _peer) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 4096, MacA = StackMac, MacB = PeerMac });
        var clock = new ManualClock();
        _context = new WorkerContext(0, _port, clock, new TimerWheel(), new TxBuffer(Burst * 2));
        _pool = _port.Pool;
        _stack = new NetworkStack(new InterfaceConfig { Address = new Ipv4Cidr(StackIp, 24), GratuitousArp = false });
        _stack.Udp.Bind(9, (_, datagram) => _udpBytes += datagram.Payload.Length + datagram.Payload[0]);
        _stack.Start(_context);
        _echoRequest = EchoRequest(56);
        _udpDatagram = UdpDatagram(64);
        // A benchmark of drops would be fast and meaningless: check that each path does its work.
        IcmpEcho();
        UdpToSocket();
        var counters = _stack.GetCounters();
        if (counters.EchoReplies != PacketsPerInvoke || counters.UdpReceived != PacketsPerInvoke || counters.DropsTotal != 0 || _pool.InUse != 0)
            throw new InvalidOperationException($"the stack did not answer every frame: {counters.ToJson()}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stack.Stop();
        _context.Tx.Clear(_pool);
        _port.Dispose();
        _peer.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PacketsPerInvoke, Description = "harness only: allocate, write a 98-byte frame, free (ns/packet)")]
    public int Baseline()
    {
        for (int i = 0; i < Bursts; i++)
        {
            Fill(_echoRequest);
            _pool.Free(_burst);
        }
        return _pool.Available;
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = "ICMP echo request in, reply out (ns/packet)")]
    public int IcmpEcho()
    {
        for (int i = 0; i < Bursts; i++)
        {
            Fill(_echoRequest);
            _stack.Receive(_burst);
            _context.Tx.Clear(_pool);
        }
        return _pool.Available;
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke, Description = "UDP datagram (64 B) to a bound socket's handler (ns/packet)")]
    public long UdpToSocket()
    {
        for (int i = 0; i < Bursts; i++)
        {
            Fill(_udpDatagram);
            _stack.Receive(_burst);
        }
        return _udpBytes;
    }

    private void Fill(byte[] frame)
    {
        _pool.AllocateBurst(_burst);
        FrameRegion region = _pool.Region;
        for (int i = 0; i < _burst.Length; i++)
        {
            frame.CopyTo(region.GetWritableSpan(_burst[i]));
            _burst[i].Length = (ushort)frame.Length;
        }
    }

    private static byte[] EchoRequest(int dataLength)
    {
        var icmp = Icmpv4Repr.EchoRequest(0x1234, 1, dataLength);
        byte[] frame = Frame(IpProtocol.Icmp, icmp.MessageLength);
        icmp.Emit(new Icmpv4Packet(frame.AsSpan(34, icmp.MessageLength)));
        return frame;
    }

    private static byte[] UdpDatagram(int payloadLength)
    {
        var udp = new UdpRepr(40000, 9, payloadLength);
        byte[] frame = Frame(IpProtocol.Udp, udp.DatagramLength);
        udp.Emit(new UdpPacket(frame.AsSpan(34, udp.DatagramLength)), PeerIp, StackIp);
        return frame;
    }

    private static byte[] Frame(IpProtocol protocol, int messageLength)
    {
        var ip = new Ipv4Repr(PeerIp, StackIp, protocol, messageLength, Identification: 1);
        var frame = new byte[14 + ip.TotalLength];
        new EthernetRepr(PeerMac, StackMac, EtherType.Ipv4).Emit(new EthernetFrame(frame));
        for (int i = 0; i < messageLength; i++) frame[34 + i] = (byte)i;
        ip.Emit(new Ipv4Packet(frame.AsSpan(14, ip.TotalLength)));
        return frame;
    }
}
