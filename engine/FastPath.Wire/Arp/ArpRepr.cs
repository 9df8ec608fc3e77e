using System.Diagnostics.CodeAnalysis;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Arp;

/// <summary>The meaningful values of an Ethernet/IPv4 ARP request or reply.</summary>
public readonly record struct ArpRepr(
    ArpOperation Operation,
    MacAddress SenderHardwareAddress,
    Ipv4Address SenderProtocolAddress,
    MacAddress TargetHardwareAddress,
    Ipv4Address TargetProtocolAddress)
{
    /// <summary>The bytes <see cref="Emit"/> writes (always <see cref="ArpPacket.Length"/>).</summary>
    [SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Every repr exposes HeaderLength as an instance member, constant or not.")]
    public int HeaderLength => ArpPacket.Length;

    /// <inheritdoc cref="TryParse(ArpPacket, out ArpRepr, out WireError)"/>
    public static bool TryParse(ArpPacket packet, out ArpRepr repr) => TryParse(packet, out repr, out _);

    /// <summary>
    /// Reads a packet the checked view accepted. Opcodes other than request and reply (RARP's 3 and 4,
    /// InARP's 8 and 9) are refused with <see cref="WireError.BadField"/>: they are not address resolution.
    /// </summary>
    public static bool TryParse(ArpPacket packet, out ArpRepr repr, out WireError error)
    {
        ArpOperation operation = packet.Operation;
        if (operation is not (ArpOperation.Request or ArpOperation.Reply))
        {
            repr = default;
            error = WireError.BadField;
            return false;
        }
        repr = new ArpRepr(
            operation,
            packet.SenderHardwareAddress,
            packet.SenderProtocolAddress,
            packet.TargetHardwareAddress,
            packet.TargetProtocolAddress);
        error = WireError.None;
        return true;
    }

    /// <summary>Writes all 28 bytes, the fixed hrd/pro/hln/pln fields included.</summary>
    public void Emit(ArpPacket packet)
    {
        packet.HardwareType = ArpPacket.EthernetHardwareType;
        packet.ProtocolType = EtherType.Ipv4;
        packet.HardwareLength = MacAddress.Length;
        packet.ProtocolLength = Ipv4Address.Length;
        packet.Operation = Operation;
        packet.SenderHardwareAddress = SenderHardwareAddress;
        packet.SenderProtocolAddress = SenderProtocolAddress;
        packet.TargetHardwareAddress = TargetHardwareAddress;
        packet.TargetProtocolAddress = TargetProtocolAddress;
    }
}
