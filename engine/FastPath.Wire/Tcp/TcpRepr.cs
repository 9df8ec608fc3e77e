using System.Buffers.Binary;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tcp;

/// <summary>
/// The meaningful values of a TCP header, options interpreted. Options that FastPath does not know are
/// skipped on parse and never emitted.
/// </summary>
public readonly record struct TcpRepr
{
    /// <summary>RFC 7323 section 2.3: a larger shift count is used as 14, so that windows stay below 2^30.</summary>
    public const byte MaxWindowScale = 14;

    private const int OptionsAreaLength = TcpPacket.MaximumHeaderLength - TcpPacket.MinimumHeaderLength;

    public ushort SourcePort { get; init; }
    public ushort DestinationPort { get; init; }
    public uint SequenceNumber { get; init; }
    public uint AcknowledgmentNumber { get; init; }
    public TcpFlags Flags { get; init; }

    /// <summary>The window field as sent, not shifted.</summary>
    public ushort Window { get; init; }
    public ushort UrgentPointer { get; init; }
    public ushort? MaxSegmentSize { get; init; }

    /// <summary>The shift count, clamped to <see cref="MaxWindowScale"/> when parsed.</summary>
    public byte? WindowScale { get; init; }
    public bool SackPermitted { get; init; }
    public TcpSackBlocks SackBlocks { get; init; }
    public (uint Value, uint EchoReply)? Timestamps { get; init; }

    /// <summary>Bytes after the header in the segment.</summary>
    public int PayloadLength { get; init; }

    /// <summary>Bytes <see cref="Emit"/> writes: the fixed header and the options, a multiple of four.</summary>
    public int HeaderLength => TcpPacket.MinimumHeaderLength + OptionsLength(SackBlocks.Count);

    /// <summary>Header plus payload: the size of the IP payload.</summary>
    public int SegmentLength => HeaderLength + PayloadLength;

    /// <summary>
    /// How many SACK blocks fit in the options area next to the other options this representation
    /// carries (3 alongside timestamps, RFC 2018 section 3).
    /// </summary>
    public int SackBlockCapacity => Math.Clamp((OptionsAreaLength - OptionsLength(0) - 4) / 8, 0, TcpSackBlocks.MaxCount);

    /// <summary>Reads the header and interprets its options; fails with BadOption on a malformed option.</summary>
    public static bool TryParse(TcpPacket packet, out TcpRepr repr, out WireError error)
    {
        repr = default;
        // Checked again so that a view made with the unchecked constructor cannot make parsing throw.
        error = TcpPacket.Check(packet.Buffer);
        if (error != WireError.None) return false;

        ushort? maxSegmentSize = null;
        byte? windowScale = null;
        bool sackPermitted = false;
        TcpSackBlocks sackBlocks = default;
        (uint, uint)? timestamps = null;
        var options = packet.Options;
        // A repeated option overrides the earlier one, as in Linux tcp_parse_options.
        while (options.MoveNext())
        {
            var option = options.Current;
            switch (option.Kind)
            {
                case TcpOptionKind.MaxSegmentSize:
                    maxSegmentSize = option.MaxSegmentSize;
                    break;
                case TcpOptionKind.WindowScale:
                    windowScale = Math.Min(option.WindowScale, MaxWindowScale);
                    break;
                case TcpOptionKind.SackPermitted:
                    sackPermitted = true;
                    break;
                case TcpOptionKind.Sack:
                    sackBlocks = TcpSackBlocks.FromOptionData(option.Data);
                    break;
                case TcpOptionKind.Timestamps:
                    timestamps = (option.TimestampValue, option.TimestampEchoReply);
                    break;
            }
        }
        if (options.Error != WireError.None)
        {
            error = options.Error;
            return false;
        }

        repr = new TcpRepr
        {
            SourcePort = packet.SourcePort,
            DestinationPort = packet.DestinationPort,
            SequenceNumber = packet.SequenceNumber,
            AcknowledgmentNumber = packet.AcknowledgmentNumber,
            Flags = packet.Flags,
            Window = packet.Window,
            UrgentPointer = packet.UrgentPointer,
            MaxSegmentSize = maxSegmentSize,
            WindowScale = windowScale,
            SackPermitted = sackPermitted,
            SackBlocks = sackBlocks,
            Timestamps = timestamps,
            PayloadLength = packet.SegmentLength - packet.HeaderLength,
        };
        return true;
    }

    /// <inheritdoc cref="TryParse(TcpPacket, out TcpRepr, out WireError)"/>
    public static bool TryParse(TcpPacket packet, out TcpRepr repr) => TryParse(packet, out repr, out _);

    /// <summary>
    /// Writes every header field, the options and the checksum. Write the payload into
    /// <c>buffer[HeaderLength..SegmentLength]</c> first: the checksum covers it. The checksum is computed
    /// over the first <see cref="SegmentLength"/> bytes of the view.
    /// </summary>
    /// <remarks>
    /// Options go in the order and with the NOP padding Linux uses (tcp_options_write): every option
    /// 4-byte aligned, SACK-permitted sharing a word with the timestamps kind and length. Middleboxes and
    /// peers have seen this layout for decades.
    /// </remarks>
    public void Emit(TcpPacket packet, Ipv4Address source, Ipv4Address destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(PayloadLength);
        if (WindowScale is byte shift) ArgumentOutOfRangeException.ThrowIfGreaterThan(shift, MaxWindowScale, nameof(WindowScale));
        if (SackBlocks.Count > SackBlockCapacity)
        {
            throw new InvalidOperationException(
                $"{SackBlocks.Count} SACK blocks do not fit next to the other options; at most {SackBlockCapacity} do.");
        }

        int headerLength = HeaderLength;
        Span<byte> segment = packet.Buffer[..(headerLength + PayloadLength)];
        var view = new TcpPacket(segment);
        view.SourcePort = SourcePort;
        view.DestinationPort = DestinationPort;
        view.SequenceNumber = SequenceNumber;
        view.AcknowledgmentNumber = AcknowledgmentNumber;
        segment[12] = (byte)(headerLength / 4 << 4); // reserved bits and AE zero
        view.Flags = Flags;
        view.Window = Window;
        view.UrgentPointer = UrgentPointer;
        WriteOptions(segment[TcpPacket.MinimumHeaderLength..headerLength]);
        view.FillChecksum(source, destination);
    }

    private int OptionsLength(int sackBlockCount)
    {
        int length = MaxSegmentSize.HasValue ? 4 : 0;
        length += Timestamps.HasValue ? 12 : SackPermitted ? 4 : 0;
        length += WindowScale.HasValue ? 4 : 0;
        length += sackBlockCount > 0 ? 4 + 8 * sackBlockCount : 0;
        return length;
    }

    private void WriteOptions(Span<byte> options)
    {
        int at = 0;
        if (MaxSegmentSize is ushort mss)
        {
            options[at] = (byte)TcpOptionKind.MaxSegmentSize;
            options[at + 1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(options[(at + 2)..], mss);
            at += 4;
        }
        if (Timestamps is (uint value, uint echoReply))
        {
            if (SackPermitted)
            {
                options[at] = (byte)TcpOptionKind.SackPermitted;
                options[at + 1] = 2;
            }
            else
            {
                options[at] = (byte)TcpOptionKind.NoOperation;
                options[at + 1] = (byte)TcpOptionKind.NoOperation;
            }
            options[at + 2] = (byte)TcpOptionKind.Timestamps;
            options[at + 3] = 10;
            BinaryPrimitives.WriteUInt32BigEndian(options[(at + 4)..], value);
            BinaryPrimitives.WriteUInt32BigEndian(options[(at + 8)..], echoReply);
            at += 12;
        }
        else if (SackPermitted)
        {
            options[at] = (byte)TcpOptionKind.NoOperation;
            options[at + 1] = (byte)TcpOptionKind.NoOperation;
            options[at + 2] = (byte)TcpOptionKind.SackPermitted;
            options[at + 3] = 2;
            at += 4;
        }
        if (WindowScale is byte shift)
        {
            options[at] = (byte)TcpOptionKind.NoOperation;
            options[at + 1] = (byte)TcpOptionKind.WindowScale;
            options[at + 2] = 3;
            options[at + 3] = shift;
            at += 4;
        }
        if (SackBlocks.Count > 0)
        {
            options[at] = (byte)TcpOptionKind.NoOperation;
            options[at + 1] = (byte)TcpOptionKind.NoOperation;
            options[at + 2] = (byte)TcpOptionKind.Sack;
            options[at + 3] = (byte)(2 + 8 * SackBlocks.Count);
            at += 4;
            for (int i = 0; i < SackBlocks.Count; i++, at += 8)
            {
                BinaryPrimitives.WriteUInt32BigEndian(options[at..], SackBlocks[i].Left);
                BinaryPrimitives.WriteUInt32BigEndian(options[(at + 4)..], SackBlocks[i].Right);
            }
        }
    }
}
