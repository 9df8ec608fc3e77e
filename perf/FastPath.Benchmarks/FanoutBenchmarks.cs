using BenchmarkDotNet.Attributes;
using FastPath.Apps.Fanout;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;

namespace FastPath.Benchmarks;

/// <summary>
/// The fan-out on one core, in memory: bursts of 32 group datagrams written into pool frames (as a NIC
/// would DMA them), handed to <see cref="MulticastFanout"/> (stack receive, UDP checksum check, one copy
/// per destination built from its template), and the copies queued for transmission freed. Reported per
/// copy, so 1e9 / ns is copies per second per core. Target (issue 7): 1 group to 8 destinations at
/// >= 1 M copies per second, i.e. <= 1000 ns a copy. The port is a <see cref="DiscardPort"/>: it takes
/// every frame the fan-out hands it (every 32 copies) and frees it, as a NIC that never fills would.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class FanoutBenchmarks
{
    private const int Burst = 32;
    private const int Bursts = 16;
    private const int Destinations = 8;
    private const int CopiesPerInvoke = Burst * Bursts * Destinations;

    private static readonly MacAddress FanoutMac = MacAddress.Parse("02:00:00:00:00:0f");
    private static readonly MacAddress SenderMac = MacAddress.Parse("02:00:00:00:00:05");
    private static readonly Ipv4Address SenderIp = Ipv4Address.Parse("10.9.0.5");
    private static readonly Ipv4Address GroupAddress = Ipv4Address.Parse("239.1.2.3");

    private readonly Packet[] _burst = new Packet[Burst];
    private DiscardPort _port = null!;
    private WorkerContext _context = null!;
    private MulticastFanout _fanout = null!;
    private FramePool _pool = null!;
    private byte[] _datagram = null!;

    /// <summary>UDP payload bytes: a small market-data message and a near-MTU one.</summary>
    [Params(64, 1024)]
    public int Payload { get; set; } = 64;

    [GlobalSetup]
    public void Setup()
    {
        _port = new DiscardPort(8192, FanoutMac);
        _context = new WorkerContext(0, _port, MonotonicClock.Instance, new TimerWheel(), new TxBuffer(Burst * 64 * 2));
        _pool = _port.Pool;
        FanoutDestination[] destinations = [.. Enumerable.Range(0, Destinations).Select(i =>
            new FanoutDestination(new FanoutEndpoint(new Ipv4Address(10, 9, 1, (byte)(i + 1)), 6000), MacAddress.FromUInt64(0x02_00_00_00_01_00UL + (ulong)i)))];
        var settings = new FanoutSettings { Groups = [new FanoutGroup(new FanoutEndpoint(GroupAddress, 5000), destinations)] };
        _fanout = new MulticastFanout(new InterfaceConfig { Address = Ipv4Cidr.Parse("10.9.0.1/16"), GratuitousArp = false }, settings);
        _fanout.Start(_context);
        _context.Tx.Clear(_pool); // the IGMP report
        _datagram = Datagram(Payload);

        // A benchmark of drops would be fast and meaningless: check that every copy is made.
        Fanout();
        FanoutReport report = _fanout.GetReport();
        if (report.Sent != CopiesPerInvoke || report.Dropped != 0 || _pool.InUse != 0 || _fanout.Stack.GetCounters().DropsTotal != 0)
            throw new InvalidOperationException($"the fan-out did not copy every datagram: sent {report.Sent} of {CopiesPerInvoke}, dropped {report.Dropped}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fanout.Stop();
        _context.Tx.Clear(_pool);
        _port.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Burst * Bursts, Description = "harness only: allocate, write a datagram frame, free (ns per datagram)")]
    public int Harness()
    {
        for (int i = 0; i < Bursts; i++)
        {
            Fill();
            _pool.Free(_burst);
        }
        return _pool.Available;
    }

    /// <summary>ns per copy, harness included (its share is Harness / Destinations).</summary>
    [Benchmark(OperationsPerInvoke = CopiesPerInvoke, Description = "datagram in, 8 copies out (ns per copy)")]
    public int Fanout()
    {
        for (int i = 0; i < Bursts; i++)
        {
            Fill();
            _fanout.Receive(_burst);
            _context.Tx.Clear(_pool);
        }
        return _pool.Available;
    }

    private void Fill()
    {
        _pool.AllocateBurst(_burst);
        FrameRegion region = _pool.Region;
        for (int i = 0; i < _burst.Length; i++)
        {
            _datagram.CopyTo(region.GetWritableSpan(_burst[i]));
            _burst[i].Length = (ushort)_datagram.Length;
        }
    }

    private static byte[] Datagram(int payloadLength)
    {
        var udp = new UdpRepr(40000, 5000, payloadLength);
        var ip = new Ipv4Repr(SenderIp, GroupAddress, IpProtocol.Udp, udp.DatagramLength, Ttl: 1);
        var frame = new byte[14 + ip.TotalLength];
        new EthernetRepr(SenderMac, MacAddress.FromIpv4Multicast(GroupAddress), EtherType.Ipv4).Emit(new EthernetFrame(frame));
        for (int i = 0; i < payloadLength; i++) frame[42 + i] = (byte)i;
        udp.Emit(new UdpPacket(frame.AsSpan(34, udp.DatagramLength)), SenderIp, GroupAddress);
        ip.Emit(new Ipv4Packet(frame.AsSpan(14, ip.TotalLength)));
        return frame;
    }
}

/// <summary>A port that takes every frame it is given and frees it at once; it receives nothing.</summary>
internal sealed class DiscardPort : IPacketPort
{
    private readonly FrameRegion _region;
    private PortStats _stats;

    public DiscardPort(int frames, MacAddress mac)
    {
        _region = FrameRegion.Create(frames);
        Pool = new FramePool(_region);
        Info = new PortInfo("discard", mac, 1500, 0, "memory", "discard");
    }

    public PortInfo Info { get; }

    public FramePool Pool { get; }

    public PortStats Stats => _stats;

    public int Receive(Span<Packet> packets) => 0;

    public int Transmit(ReadOnlySpan<Packet> packets)
    {
        Pool.Free(packets);
        _stats.TxPackets += packets.Length;
        return packets.Length;
    }

    public void Flush()
    {
    }

    public void Dispose() => _region.Dispose();
}
