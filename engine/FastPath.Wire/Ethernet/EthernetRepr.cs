namespace FastPath.Wire.Ethernet;

/// <summary>The meaningful values of an Ethernet II header.</summary>
/// <param name="Source">The sender's MAC.</param>
/// <param name="Destination">The receiver's MAC: unicast, a multicast group or broadcast.</param>
/// <param name="EtherType">The payload's type, after any tags.</param>
/// <param name="Vlan">The C-tag (802.1Q), or null for an untagged frame.</param>
/// <param name="ServiceVlan">The outer S-tag of a QinQ frame (802.1ad); requires <paramref name="Vlan"/>.</param>
public readonly record struct EthernetRepr(
    MacAddress Source,
    MacAddress Destination,
    EtherType EtherType,
    VlanTag? Vlan = null,
    VlanTag? ServiceVlan = null)
{
    /// <summary>Reads the header of a frame that <see cref="EthernetFrame.TryParse(Span{byte}, out EthernetFrame)"/> accepted.</summary>
    public static bool TryParse(EthernetFrame frame, out EthernetRepr repr)
    {
        // Every layout the checked view accepts is representable: no semantic check to add.
        repr = new EthernetRepr(frame.Source, frame.Destination, frame.EtherType, frame.Vlan, frame.ServiceVlan);
        return true;
    }

    /// <summary>The bytes <see cref="Emit"/> writes: 14, 18 or 22.</summary>
    public int HeaderLength =>
        EthernetFrame.UntaggedHeaderLength
        + (Vlan.HasValue ? EthernetFrame.VlanTagLength : 0)
        + (ServiceVlan.HasValue ? EthernetFrame.VlanTagLength : 0);

    /// <summary>Writes the whole header; the frame's buffer must hold at least <see cref="HeaderLength"/> bytes.</summary>
    public void Emit(EthernetFrame frame)
    {
        frame.Destination = Destination;
        frame.Source = Source;
        frame.SetTags(ServiceVlan, Vlan);
        frame.EtherType = EtherType;
    }
}
