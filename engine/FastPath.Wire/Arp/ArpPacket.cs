using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Arp;

/// <summary>
/// A view over an ARP packet (RFC 826) for Ethernet hardware addresses and IPv4 protocol addresses, the
/// only combination the engine speaks: 28 bytes, fixed layout. Bytes after them (Ethernet padding) are ignored.
/// </summary>
public readonly ref struct ArpPacket
{
    /// <summary>The size of an Ethernet/IPv4 ARP packet.</summary>
    public const int Length = 28;
    /// <summary>ar$hrd for Ethernet (IANA "Hardware Types").</summary>
    public const ushort EthernetHardwareType = 1;

    // Enough to read hrd, pro, hln and pln and refuse other address families before demanding 28 bytes.
    private const int FixedPartLength = 8;

    private const int HardwareTypeOffset = 0;
    private const int ProtocolTypeOffset = 2;
    private const int HardwareLengthOffset = 4;
    private const int ProtocolLengthOffset = 5;
    private const int OperationOffset = 6;
    private const int SenderHardwareOffset = 8;
    private const int SenderProtocolOffset = 14;
    private const int TargetHardwareOffset = 18;
    private const int TargetProtocolOffset = 24;

    private readonly Span<byte> _buffer;

    /// <summary>Unchecked: for emitting into a buffer of at least <see cref="Length"/> bytes.</summary>
    public ArpPacket(Span<byte> buffer) => _buffer = buffer;

    /// <summary>The checked constructor for untrusted input. Never throws; on failure <paramref name="packet"/> is default.</summary>
    public static bool TryParse(Span<byte> buffer, out ArpPacket packet) => TryParse(buffer, out packet, out _);

    /// <summary>
    /// Checks the length and that the packet maps IPv4 onto Ethernet (hrd 1, pro 0x0800, hln 6, pln 4):
    /// anything else is <see cref="WireError.Unsupported"/>. The opcode is left to <see cref="ArpRepr"/>.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out ArpPacket packet, out WireError error)
    {
        packet = default;
        if (buffer.Length < FixedPartLength)
        {
            error = WireError.Truncated;
            return false;
        }
        if (NetworkOrder.ReadUInt16(buffer, HardwareTypeOffset) != EthernetHardwareType
            || NetworkOrder.ReadUInt16(buffer, ProtocolTypeOffset) != (ushort)EtherType.Ipv4
            || buffer[HardwareLengthOffset] != MacAddress.Length
            || buffer[ProtocolLengthOffset] != Ipv4Address.Length)
        {
            error = WireError.Unsupported;
            return false;
        }
        if (buffer.Length < Length)
        {
            error = WireError.Truncated;
            return false;
        }
        packet = new ArpPacket(buffer);
        error = WireError.None;
        return true;
    }

    public ushort HardwareType
    {
        get => NetworkOrder.ReadUInt16(_buffer, HardwareTypeOffset);
        set => NetworkOrder.WriteUInt16(_buffer, HardwareTypeOffset, value);
    }

    /// <summary>ar$pro: protocol addresses are typed by EtherType.</summary>
    public EtherType ProtocolType
    {
        get => (EtherType)NetworkOrder.ReadUInt16(_buffer, ProtocolTypeOffset);
        set => NetworkOrder.WriteUInt16(_buffer, ProtocolTypeOffset, (ushort)value);
    }

    public byte HardwareLength
    {
        get => _buffer[HardwareLengthOffset];
        set => _buffer[HardwareLengthOffset] = value;
    }

    public byte ProtocolLength
    {
        get => _buffer[ProtocolLengthOffset];
        set => _buffer[ProtocolLengthOffset] = value;
    }

    /// <summary>The raw opcode; values other than request and reply read as undefined enum values.</summary>
    public ArpOperation Operation
    {
        get => (ArpOperation)NetworkOrder.ReadUInt16(_buffer, OperationOffset);
        set => NetworkOrder.WriteUInt16(_buffer, OperationOffset, (ushort)value);
    }

    public MacAddress SenderHardwareAddress
    {
        get => new(_buffer.Slice(SenderHardwareOffset, MacAddress.Length));
        set => value.CopyTo(_buffer.Slice(SenderHardwareOffset, MacAddress.Length));
    }

    public Ipv4Address SenderProtocolAddress
    {
        get => new(NetworkOrder.ReadUInt32(_buffer, SenderProtocolOffset));
        set => NetworkOrder.WriteUInt32(_buffer, SenderProtocolOffset, value.Value);
    }

    public MacAddress TargetHardwareAddress
    {
        get => new(_buffer.Slice(TargetHardwareOffset, MacAddress.Length));
        set => value.CopyTo(_buffer.Slice(TargetHardwareOffset, MacAddress.Length));
    }

    public Ipv4Address TargetProtocolAddress
    {
        get => new(NetworkOrder.ReadUInt32(_buffer, TargetProtocolOffset));
        set => NetworkOrder.WriteUInt32(_buffer, TargetProtocolOffset, value.Value);
    }
}
