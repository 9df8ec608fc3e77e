using FastPath.Wire.Checksums;

namespace FastPath.Wire.Ipv4;

/// <summary>
/// A view over an IPv4 datagram (RFC 791 section 3.1). Options are not interpreted: they are exposed as
/// <see cref="Options"/> and skipped, so <see cref="Payload"/> starts at IHL * 4. The datagram ends at
/// <see cref="TotalLength"/>, not at the end of the buffer: Ethernet padding and trailing bytes are ignored.
/// </summary>
public readonly ref struct Ipv4Packet
{
    /// <summary>A header without options (IHL 5).</summary>
    public const int MinimumHeaderLength = 20;
    /// <summary>IHL 15.</summary>
    public const int MaximumHeaderLength = 60;
    /// <summary>The largest datagram the 16-bit total length can describe.</summary>
    public const int MaximumLength = ushort.MaxValue;

    private const int VersionIhlOffset = 0;
    private const int TosOffset = 1;
    private const int TotalLengthOffset = 2;
    private const int IdentificationOffset = 4;
    private const int FlagsFragmentOffset = 6;
    private const int TtlOffset = 8;
    private const int ProtocolOffset = 9;
    private const int ChecksumOffset = 10;
    private const int SourceOffset = 12;
    private const int DestinationOffset = 16;

    private const ushort DontFragmentBit = 0x4000;
    private const ushort MoreFragmentsBit = 0x2000;
    private const ushort FragmentOffsetMask = 0x1FFF;

    private readonly Span<byte> _buffer;

    /// <summary>Unchecked: for emitting into a buffer you sized yourself (header, and payload if you use <see cref="Payload"/>).</summary>
    public Ipv4Packet(Span<byte> buffer) => _buffer = buffer;

    /// <summary>The checked constructor for untrusted input. Never throws; on failure <paramref name="packet"/> is default.</summary>
    public static bool TryParse(Span<byte> buffer, out Ipv4Packet packet) => TryParse(buffer, out packet, out _);

    /// <summary>
    /// Checks, in this order: 20 bytes present (<see cref="WireError.Truncated"/>), version 4
    /// (<see cref="WireError.BadVersion"/>), IHL at least 5 and IHL * 4 within the buffer
    /// (<see cref="WireError.BadHeaderLength"/>), total length at least IHL * 4 and within the buffer
    /// (<see cref="WireError.BadLength"/>). The header checksum is not checked here: see <see cref="VerifyChecksum"/>.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out Ipv4Packet packet, out WireError error)
    {
        packet = default;
        if (buffer.Length < MinimumHeaderLength)
        {
            error = WireError.Truncated;
            return false;
        }
        byte versionIhl = buffer[VersionIhlOffset];
        if (versionIhl >> 4 != 4)
        {
            error = WireError.BadVersion;
            return false;
        }
        int headerLength = (versionIhl & 0xF) * 4;
        if (headerLength < MinimumHeaderLength || headerLength > buffer.Length)
        {
            error = WireError.BadHeaderLength;
            return false;
        }
        int totalLength = NetworkOrder.ReadUInt16(buffer, TotalLengthOffset, MinimumHeaderLength);
        if (totalLength < headerLength || totalLength > buffer.Length)
        {
            error = WireError.BadLength;
            return false;
        }
        packet = new Ipv4Packet(buffer);
        error = WireError.None;
        return true;
    }

    public byte Version
    {
        get => (byte)(NetworkOrder.ReadByte(_buffer, VersionIhlOffset, MinimumHeaderLength) >> 4);
        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, (byte)0xF);
            _buffer[VersionIhlOffset] = (byte)(value << 4 | (_buffer[VersionIhlOffset] & 0xF));
        }
    }

    /// <summary>The header length in bytes (IHL * 4), options included: 20..60, a multiple of 4.</summary>
    public int HeaderLength
    {
        get => (NetworkOrder.ReadByte(_buffer, VersionIhlOffset, MinimumHeaderLength) & 0xF) * 4;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, MinimumHeaderLength);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaximumHeaderLength);
            if (value % 4 != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The IPv4 header length is a multiple of 4 bytes.");
            }
            _buffer[VersionIhlOffset] = (byte)((_buffer[VersionIhlOffset] & 0xF0) | value / 4);
        }
    }

    /// <summary>Differentiated services code point: the high 6 bits of the old TOS byte (RFC 2474).</summary>
    public byte Dscp
    {
        get => (byte)(NetworkOrder.ReadByte(_buffer, TosOffset, MinimumHeaderLength) >> 2);
        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, (byte)63);
            _buffer[TosOffset] = (byte)(value << 2 | (_buffer[TosOffset] & 0x3));
        }
    }

    /// <summary>Explicit congestion notification: the low 2 bits of the old TOS byte (RFC 3168).</summary>
    public byte Ecn
    {
        get => (byte)(NetworkOrder.ReadByte(_buffer, TosOffset, MinimumHeaderLength) & 0x3);
        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, (byte)3);
            _buffer[TosOffset] = (byte)((_buffer[TosOffset] & 0xFC) | value);
        }
    }

    /// <summary>Header and data in bytes.</summary>
    public ushort TotalLength
    {
        get => NetworkOrder.ReadUInt16(_buffer, TotalLengthOffset, MinimumHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, TotalLengthOffset, value);
    }

    public ushort Identification
    {
        get => NetworkOrder.ReadUInt16(_buffer, IdentificationOffset, MinimumHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, IdentificationOffset, value);
    }

    /// <summary>The raw flags (reserved, DF, MF) and fragment offset word.</summary>
    internal ushort FlagsAndOffset
    {
        get => NetworkOrder.ReadUInt16(_buffer, FlagsFragmentOffset, MinimumHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, FlagsFragmentOffset, value);
    }

    /// <summary>DF.</summary>
    public bool DontFragment
    {
        get => (FlagsAndOffset & DontFragmentBit) != 0;
        set => FlagsAndOffset = (ushort)(value ? FlagsAndOffset | DontFragmentBit : FlagsAndOffset & ~DontFragmentBit);
    }

    /// <summary>MF: more fragments follow this one.</summary>
    public bool MoreFragments
    {
        get => (FlagsAndOffset & MoreFragmentsBit) != 0;
        set => FlagsAndOffset = (ushort)(value ? FlagsAndOffset | MoreFragmentsBit : FlagsAndOffset & ~MoreFragmentsBit);
    }

    /// <summary>The raw 13-bit field: the fragment's position in units of 8 bytes (0..8191).</summary>
    public ushort FragmentOffsetUnits
    {
        get => (ushort)(FlagsAndOffset & FragmentOffsetMask);
        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, FragmentOffsetMask);
            FlagsAndOffset = (ushort)((FlagsAndOffset & ~FragmentOffsetMask) | value);
        }
    }

    /// <summary>The fragment's position in the original datagram's data, in BYTES (the field times 8): 0..65528.</summary>
    public ushort FragmentOffset
    {
        get => (ushort)(FragmentOffsetUnits * 8);
        set
        {
            if (value % 8 != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "An IPv4 fragment offset is a multiple of 8 bytes.");
            }
            FragmentOffsetUnits = (ushort)(value / 8);
        }
    }

    /// <summary>True for any fragment but a whole datagram: MF set or a non-zero offset.</summary>
    public bool IsFragment => (FlagsAndOffset & (MoreFragmentsBit | FragmentOffsetMask)) != 0;

    public byte Ttl
    {
        get => NetworkOrder.ReadByte(_buffer, TtlOffset, MinimumHeaderLength);
        set => _buffer[TtlOffset] = value;
    }

    public IpProtocol Protocol
    {
        get => (IpProtocol)NetworkOrder.ReadByte(_buffer, ProtocolOffset, MinimumHeaderLength);
        set => _buffer[ProtocolOffset] = (byte)value;
    }

    /// <summary>The header checksum field, in host order as read off the wire.</summary>
    public ushort Checksum
    {
        get => NetworkOrder.ReadUInt16(_buffer, ChecksumOffset, MinimumHeaderLength);
        set => NetworkOrder.WriteUInt16(_buffer, ChecksumOffset, value);
    }

    public Ipv4Address Source
    {
        get => new(NetworkOrder.ReadUInt32(_buffer, SourceOffset, MinimumHeaderLength));
        set => NetworkOrder.WriteUInt32(_buffer, SourceOffset, value.Value);
    }

    public Ipv4Address Destination
    {
        get => new(NetworkOrder.ReadUInt32(_buffer, DestinationOffset, MinimumHeaderLength));
        set => NetworkOrder.WriteUInt32(_buffer, DestinationOffset, value.Value);
    }

    /// <summary>The whole header, options included: what the header checksum covers.</summary>
    public Span<byte> Header => _buffer[..HeaderLength];

    /// <summary>The options area (empty for IHL 5), uninterpreted.</summary>
    public Span<byte> Options => _buffer[MinimumHeaderLength..HeaderLength];

    /// <summary>From the end of the header to <see cref="TotalLength"/>; padding after it is not part of it.</summary>
    public Span<byte> Payload => _buffer[HeaderLength..TotalLength];

    /// <summary>True when the header, checksum field included, sums to 0xFFFF (RFC 791 section 3.1, RFC 1071).</summary>
    public bool VerifyChecksum() => InternetChecksum.IsValid(Header);

    /// <summary>Computes the header checksum over the header as it stands and writes it.</summary>
    public void FillChecksum()
    {
        Checksum = 0;
        Checksum = InternetChecksum.Compute(Header);
    }
}
