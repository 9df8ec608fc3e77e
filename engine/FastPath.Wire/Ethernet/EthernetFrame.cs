using System.Runtime.CompilerServices;

namespace FastPath.Wire.Ethernet;

/// <summary>
/// A view over an Ethernet II frame (without FCS): destination, source, up to two VLAN tags, EtherType.
/// </summary>
/// <remarks>
/// Tag layouts recognised, by the TPID at offset 12:
/// <list type="bullet">
/// <item>no tag: 14-byte header;</item>
/// <item>0x8100 (IEEE 802.1Q C-tag): 18-byte header, the tag is <see cref="Vlan"/>;</item>
/// <item>0x88A8 (IEEE 802.1ad S-tag) followed by a 0x8100 C-tag (QinQ): 22-byte header, the outer tag is
/// <see cref="ServiceVlan"/> and the inner one <see cref="Vlan"/>. An S-tag followed by anything else is
/// refused with <see cref="WireError.Unsupported"/> rather than delivered as if it were untagged.</item>
/// </list>
/// <see cref="EtherType"/> is always the type of the payload, after the tags. Values below 0x0600 are
/// IEEE 802.3 length fields (LLC frames such as STP); they parse, and callers drop them as unknown types.
/// The layout is read from the TPID fields on every access, so a view made with the unchecked constructor
/// over a buffer being written follows <see cref="SetTags"/>.
/// </remarks>
public readonly ref struct EthernetFrame
{
    /// <summary>Destination, source and EtherType of an untagged frame.</summary>
    public const int UntaggedHeaderLength = 14;
    /// <summary>TPID and TCI of one 802.1Q/802.1ad tag.</summary>
    public const int VlanTagLength = 4;
    /// <summary>
    /// IEEE 802.3 minimum frame (64 bytes) without the 4-byte FCS: a sender pads shorter frames with zeros up
    /// to this length; a receiver must ignore the padding (the IPv4 total length bounds the datagram).
    /// </summary>
    public const int MinimumFrameLength = 60;

    private const int DestinationOffset = 0;
    private const int SourceOffset = 6;
    private const int OuterTypeOffset = 12;

    private readonly Span<byte> _buffer;

    /// <summary>Unchecked: for emitting into a buffer of at least <see cref="EthernetRepr.HeaderLength"/> bytes.</summary>
    public EthernetFrame(Span<byte> buffer) => _buffer = buffer;

    /// <summary>The checked constructor for untrusted input. Never throws; on failure <paramref name="frame"/> is default.</summary>
    public static bool TryParse(Span<byte> buffer, out EthernetFrame frame) => TryParse(buffer, out frame, out _);

    /// <inheritdoc cref="TryParse(Span{byte}, out EthernetFrame)"/>
    public static bool TryParse(Span<byte> buffer, out EthernetFrame frame, out WireError error)
    {
        // Two plain assignments rather than one conditional struct value: the JIT then keeps the view in
        // registers instead of materialising it on the stack (measured on the classify path).
        error = Check(buffer);
        if (error != WireError.None)
        {
            frame = default;
            return false;
        }
        frame = new EthernetFrame(buffer);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static WireError Check(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < UntaggedHeaderLength) return WireError.Truncated;
        ushort outer = NetworkOrder.ReadUInt16(buffer, OuterTypeOffset, UntaggedHeaderLength);
        // Untagged frames first and inline: the tag checks stay out of the receive loop's hot path.
        return IsTagProtocol(outer) ? CheckTags(buffer, outer) : WireError.None;
    }

    private static WireError CheckTags(ReadOnlySpan<byte> buffer, ushort outer)
    {
        if (buffer.Length < UntaggedHeaderLength + VlanTagLength) return WireError.Truncated;
        if (outer != (ushort)EtherType.QinQ) return WireError.None;
        if (NetworkOrder.ReadUInt16(buffer, OuterTypeOffset + VlanTagLength) != (ushort)EtherType.Vlan) return WireError.Unsupported;
        return buffer.Length < UntaggedHeaderLength + 2 * VlanTagLength ? WireError.Truncated : WireError.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsTagProtocol(ushort type) => type is (ushort)EtherType.Vlan or (ushort)EtherType.QinQ;

    /// <summary>The frame as given, padding and any trailing bytes included.</summary>
    public Span<byte> Buffer => _buffer;

    public MacAddress Destination
    {
        get => new(_buffer[DestinationOffset..]);
        set => value.CopyTo(_buffer[DestinationOffset..]);
    }

    public MacAddress Source
    {
        get => new(_buffer[SourceOffset..]);
        set => value.CopyTo(_buffer[SourceOffset..]);
    }

    private ushort OuterType => NetworkOrder.ReadUInt16(_buffer, OuterTypeOffset, UntaggedHeaderLength);

    /// <summary>True for an 802.1Q frame and for a QinQ frame (which always has a C-tag).</summary>
    public bool HasVlan => OuterType is (ushort)EtherType.Vlan or (ushort)EtherType.QinQ;

    /// <summary>True for a QinQ frame: an 802.1ad S-tag precedes the C-tag.</summary>
    public bool HasServiceVlan => OuterType == (ushort)EtherType.QinQ;

    /// <summary>14, 18 or 22 bytes: the offset of <see cref="Payload"/>.</summary>
    public int HeaderLength => HeaderLengthOf(OuterType);

    // Static, on the type field already read: a call to an instance member that the JIT leaves out of line
    // (a cold tagged path) would take the view's address and pin it to the stack on the hot path too.
    private static int HeaderLengthOf(ushort outerType) => outerType switch
    {
        (ushort)EtherType.Vlan => UntaggedHeaderLength + VlanTagLength,
        (ushort)EtherType.QinQ => UntaggedHeaderLength + 2 * VlanTagLength,
        _ => UntaggedHeaderLength,
    };
    /// <summary>The C-tag: the only tag of an 802.1Q frame, the inner tag of a QinQ frame; null when untagged.</summary>
    public VlanTag? Vlan => OuterType switch
    {
        (ushort)EtherType.Vlan => ReadTci(OuterTypeOffset + 2),
        (ushort)EtherType.QinQ => ReadTci(OuterTypeOffset + VlanTagLength + 2),
        _ => null,
    };

    /// <summary>The outer 802.1ad S-tag of a QinQ frame; null otherwise.</summary>
    public VlanTag? ServiceVlan => HasServiceVlan ? ReadTci(OuterTypeOffset + 2) : null;

    /// <summary>The EtherType of the payload, after any tags.</summary>
    public EtherType EtherType
    {
        get
        {
            // Untagged frames are nearly all of them: answer from the one field read, tags only when present.
            ushort outer = OuterType;
            return IsTagProtocol(outer) ? (EtherType)NetworkOrder.ReadUInt16(_buffer, HeaderLengthOf(outer) - 2) : (EtherType)outer;
        }
        set => NetworkOrder.WriteUInt16(_buffer, (HeaderLength - 2), (ushort)value);
    }

    /// <summary>
    /// Everything after the header, to the end of the buffer: Ethernet padding and trailing bytes included,
    /// which the inner protocol's own length (IPv4 total length, ARP's fixed size) excludes.
    /// </summary>
    public Span<byte> Payload
    {
        get
        {
            return _buffer[HeaderLengthOf(OuterType)..];
        }
    }

    /// <summary>
    /// Writes the tag layout (TPIDs and TCIs) that fixes <see cref="HeaderLength"/>; call it before setting
    /// <see cref="EtherType"/>. An S-tag needs a C-tag (the only double-tag layout this view knows).
    /// </summary>
    public void SetTags(VlanTag? serviceVlan, VlanTag? vlan)
    {
        if (serviceVlan is { } outer)
        {
            if (vlan is not { } inner)
            {
                throw new ArgumentException("An 802.1ad S-tag must be followed by a C-tag.", nameof(vlan));
            }
            WriteTag(OuterTypeOffset, EtherType.QinQ, outer);
            WriteTag(OuterTypeOffset + VlanTagLength, EtherType.Vlan, inner);
        }
        else if (vlan is { } only)
        {
            WriteTag(OuterTypeOffset, EtherType.Vlan, only);
        }
        else
        {
            // Anything but a TPID here means "untagged"; the EtherType setter overwrites it.
            NetworkOrder.WriteUInt16(_buffer, OuterTypeOffset, 0);
        }
    }

    private VlanTag ReadTci(int offset) => VlanTag.FromTci(NetworkOrder.ReadUInt16(_buffer, offset));

    private void WriteTag(int offset, EtherType tpid, VlanTag tag)
    {
        NetworkOrder.WriteUInt16(_buffer, offset, (ushort)tpid);
        NetworkOrder.WriteUInt16(_buffer, (offset + 2), tag.Tci);
    }
}
