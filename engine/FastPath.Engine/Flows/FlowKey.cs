using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Flows;

/// <summary>
/// An IPv4 flow's 5-tuple in 16 bytes: two addresses, two ports (zero for protocols without them and for
/// fragments) and the protocol. Every byte is a field, so equality is two 64-bit compares.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
public readonly struct FlowKey : IEquatable<FlowKey>
{
    private const int EthernetHeaderLength = 14;
    private const int VlanTagLength = 4;
    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeVlan = 0x8100;
    private const int MinimumIpv4HeaderLength = 20;

    private readonly uint _source;
    private readonly uint _destination;
    private readonly uint _ports;
    private readonly uint _protocol;

    public FlowKey(Ipv4Address source, Ipv4Address destination, ushort sourcePort, ushort destinationPort, IpProtocol protocol)
    {
        _source = source.Value;
        _destination = destination.Value;
        _ports = (uint)sourcePort << 16 | destinationPort;
        _protocol = (byte)protocol;
    }

    public Ipv4Address Source => new(_source);

    public Ipv4Address Destination => new(_destination);

    public ushort SourcePort => (ushort)(_ports >> 16);

    public ushort DestinationPort => (ushort)_ports;

    public IpProtocol Protocol => (IpProtocol)_protocol;

    /// <summary>The same flow seen from the other end.</summary>
    public FlowKey Reversed => new(Destination, Source, DestinationPort, SourcePort, Protocol);

    /// <summary>
    /// Reads the flow of an Ethernet frame (one 802.1Q tag allowed) carrying IPv4. Ports are read for TCP
    /// and UDP unless the packet is a fragment: later fragments carry no ports, so every fragment of a
    /// datagram gets the ports-free key, as NICs hash fragments on addresses only. False for anything that
    /// is not a well-formed enough IPv4 packet to have a flow (ARP, a truncated header).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out FlowKey key)
    {
        key = default;
        if (frame.Length < EthernetHeaderLength + MinimumIpv4HeaderLength) return false;
        int offset = EthernetHeaderLength;
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        if (etherType == EtherTypeVlan)
        {
            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
            offset += VlanTagLength;
        }
        if (etherType != EtherTypeIpv4) return false;
        ReadOnlySpan<byte> ip = frame[offset..];
        if (ip.Length < MinimumIpv4HeaderLength || ip[0] >> 4 != 4) return false;
        int headerLength = (ip[0] & 0xF) * 4;
        if (headerLength < MinimumIpv4HeaderLength) return false;
        var protocol = (IpProtocol)ip[9];
        uint source = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
        uint destination = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
        // More-fragments flag or a non-zero offset: a fragment.
        bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0;
        uint ports = 0;
        if (!fragment && protocol is IpProtocol.Tcp or IpProtocol.Udp && ip.Length >= headerLength + 4)
            ports = BinaryPrimitives.ReadUInt32BigEndian(ip[headerLength..]);
        key = new FlowKey(new Ipv4Address(source), new Ipv4Address(destination), (ushort)(ports >> 16), (ushort)ports, protocol);
        return true;
    }

    /// <summary>Branch-free: one OR of four XORs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(FlowKey other) =>
        ((_source ^ other._source) | (_destination ^ other._destination) | (_ports ^ other._ports) | (_protocol ^ other._protocol)) == 0;

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    /// <summary>A well-mixed 32-bit hash (not the Toeplitz one): what <see cref="FlowTable{TValue}"/> indexes with.</summary>
    public override int GetHashCode() => (int)Mix();

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);

    public override string ToString() => $"{Protocol} {Source}:{SourcePort} > {Destination}:{DestinationPort}";

    /// <summary>
    /// A 64-bit mix folded to 32 bits. Not the RSS hash on purpose: every flow on one worker shares the RSS
    /// hash's low bits (they chose the worker), so a table indexed by them would use a fraction of its slots.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Mix()
    {
        ulong low = (ulong)_destination << 32 | _source;
        ulong high = (ulong)_protocol << 32 | _ports;
        // The 64-bit finaliser of splitmix64 over the two words (every input bit reaches every output bit).
        ulong h = low * 0x9E3779B97F4A7C15UL ^ high;
        h ^= h >> 30;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 27;
        h *= 0x94D049BB133111EBUL;
        h ^= h >> 31;
        return (uint)(h ^ (h >> 32));
    }
}
