using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;
using FastPath.Wire.Udp;

namespace FastPath.Apps.Generator;

/// <summary>
/// Writes the frames of one stream for one worker into pool frames, touching per frame only the bytes that
/// change: addresses, port, TCP or ICMP sequence, the signature's sequence and time, and the checksums.
/// <para>
/// Checksums are never summed over a frame on the data path. For each frame size the builder sums once, at
/// start, everything that does not change from frame to frame (the header and payload with the changing
/// fields zero, and the pseudo-header); a frame's checksum is then the complement of that sum plus the
/// changing 16-bit words. This is RFC 1624's incremental update (equation 3, HC' = ~(~HC + ~m + m')) taken
/// from a template whose changing words m are zero, so that ~HC + ~m is one constant per size.
/// </para>
/// <para>
/// Pool frames are recycled, and most come back still holding a frame of this builder: each frame has a tag
/// naming the template it holds, and only a frame whose tag differs (another size, another stream, or a frame
/// the port received into) is rewritten whole from the template.
/// </para>
/// </summary>
internal sealed class StreamFrameBuilder
{
    private const int IpOffset = 14;
    private const int IpChecksumOffset = IpOffset + 10;
    private const int IpSourceOffset = IpOffset + 12;
    private const int IpDestinationOffset = IpOffset + 16;
    private const int SegmentOffset = IpOffset + Ipv4Packet.MinimumHeaderLength;
    private const int PortOffset = SegmentOffset;
    private const int TcpSequenceOffset = SegmentOffset + 4;
    private const int TcpChecksumOffset = SegmentOffset + 16;
    private const int UdpChecksumOffset = SegmentOffset + 6;
    private const int IcmpChecksumOffset = SegmentOffset + 2;
    private const int IcmpIdentifierOffset = SegmentOffset + 4;
    private const int IcmpSequenceOffset = SegmentOffset + 6;
    private const ushort SynWindow = 64240;
    // Knuth's multiplicative hash spreads consecutive frame numbers over the sequence space, as initial
    // sequence numbers are (RFC 6528): a firewall that tracks SYNs sees no pattern to exploit.
    private const uint SequenceScramble = 0x9E3779B1;

    private readonly Variant[] _variants;
    private readonly int[] _sizeOrder;
    private readonly byte[] _trailer = new byte[6];
    private readonly StreamProtocol _protocol;
    private readonly bool _signature;
    private readonly bool _addressesVary;
    private readonly bool _portVaries;
    private readonly bool _pseudoHeader;
    private readonly bool _randomSizes;
    private readonly bool _perFrame;
    private readonly bool _rewrite;
    private readonly int _checksumOffset;
    private readonly int _portOffset;
    private FlowCursor _flows;
    private FastRandom _random;
    private int _sizeIndex;
    private uint _sequence;
    private long _time = -1;
    private ushort _timeHigh;
    private uint _timeLow;
    private uint _timeWords;

    /// <param name="spec">The stream.</param>
    /// <param name="lane">The worker, carried in the signature.</param>
    /// <param name="firstTag">The tag of this builder's first template (tags of one worker's builders must not overlap; 0 means "unknown").</param>
    /// <param name="startFlow">Where this worker starts its walk over the flows.</param>
    /// <param name="rewriteEveryFrame">Write every frame whole from its template, whatever its tag says.</param>
    public StreamFrameBuilder(StreamSpec spec, byte lane, int firstTag, long startFlow = 0, bool rewriteEveryFrame = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(firstTag, 1);
        if (spec.FindProblem(int.MaxValue - 14) is { } problem) throw new ArgumentException(problem, nameof(spec));
        Spec = spec;
        Lane = lane;
        _protocol = spec.Protocol;
        _signature = spec.HasSignature;
        _addressesVary = spec.SourceIps.Count > 1 || spec.DestinationIps.Count > 1;
        _portVaries = spec.Flows > 1 && spec.Protocol != StreamProtocol.Raw;
        _pseudoHeader = spec.Protocol is StreamProtocol.Udp or StreamProtocol.TcpSyn;
        _randomSizes = spec.RandomOrder;
        _rewrite = rewriteEveryFrame;
        _perFrame = _addressesVary || _portVaries || _signature || spec.Protocol is StreamProtocol.TcpSyn or StreamProtocol.Icmp;
        (_checksumOffset, _portOffset) = spec.Protocol switch
        {
            StreamProtocol.Udp => (UdpChecksumOffset, PortOffset),
            StreamProtocol.TcpSyn => (TcpChecksumOffset, PortOffset),
            StreamProtocol.Icmp => (IcmpChecksumOffset, IcmpIdentifierOffset),
            _ => (-1, -1),
        };
        FrameSignature.WriteConstantPart(_trailer, spec.Id, lane);
        _flows = new FlowCursor(spec, startFlow);
        _random = new FastRandom(spec.Seed + lane);
        _sizeOrder = spec.Sizes.Sequence();
        int[] sizes = spec.Sizes.Variants();
        _variants = new Variant[sizes.Length];
        for (int i = 0; i < sizes.Length; i++) _variants[i] = MakeVariant(sizes[i], firstTag + i);
    }

    public StreamSpec Spec { get; }
    public byte Lane { get; }

    /// <summary>Templates (one per frame size): the tags this builder uses are firstTag .. firstTag + VariantCount - 1.</summary>
    public int VariantCount => _variants.Length;

    /// <summary>The largest frame this builder writes.</summary>
    public int LargestFrame => Spec.Sizes.Largest;

    /// <summary>Writes the first template into <paramref name="room"/> (before a run, for frames that will hold it).</summary>
    public void Stamp(Span<byte> room, ref int tag)
    {
        ref Variant variant = ref _variants[0];
        CopyTemplate(room[..variant.Size], ref variant);
        tag = variant.Tag;
    }

    /// <summary>
    /// Writes the next frame into <paramref name="room"/> (a pool frame from its data offset) and returns its
    /// length. <paramref name="tag"/> is the frame's tag; <paramref name="nowNanoseconds"/> goes into the signature.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Build(Span<byte> room, ref int tag, long nowNanoseconds)
    {
        ref Variant variant = ref _variants[NextVariant()];
        Span<byte> frame = room[..variant.Size];
        if (tag != variant.Tag || _rewrite)
        {
            CopyTemplate(frame, ref variant);
            tag = variant.Tag;
        }
        if (_perFrame) WriteChangingFields(frame, ref variant, nowNanoseconds);
        return variant.Size;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int NextVariant()
    {
        if (_sizeOrder.Length == 1) return 0;
        if (_randomSizes) return _sizeOrder[FastRandom.Below((uint)_random.Next(), (uint)_sizeOrder.Length)];
        int index = _sizeIndex;
        _sizeIndex = index + 1 == _sizeOrder.Length ? 0 : index + 1;
        return _sizeOrder[index];
    }

    /// <remarks>
    /// The writes are unchecked: <paramref name="frame"/> is exactly one template long (the slice in
    /// <see cref="Build"/> checked the room), every template is at least 60 bytes, every fixed offset written
    /// is below 54, and the trailer ends at the frame's end. Sums stay below 2^21 (at most 16 words added to a
    /// folded sum), so two folds of 32 bits suffice.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteChangingFields(Span<byte> frame, ref Variant variant, long nowNanoseconds)
    {
        ref byte start = ref MemoryMarshal.GetReference(frame);
        uint l4Sum = variant.L4Sum;
        if (_addressesVary || _portVaries)
        {
            _flows.Next(ref _random, out uint source, out uint destination, out uint port);
            if (_addressesVary)
            {
                Put32(ref start, IpSourceOffset, source);
                Put32(ref start, IpDestinationOffset, destination);
                uint addressWords = (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF);
                Put16(ref start, IpChecksumOffset, InternetChecksum.Finish(variant.IpSum + addressWords));
                if (_pseudoHeader) l4Sum += addressWords;
            }
            if (_portVaries)
            {
                Put16(ref start, _portOffset, (ushort)port);
                l4Sum += port;
            }
        }

        uint sequence = _sequence++;
        if (_protocol == StreamProtocol.TcpSyn)
        {
            uint isn = sequence * SequenceScramble;
            Put32(ref start, TcpSequenceOffset, isn);
            l4Sum += (isn >> 16) + (isn & 0xFFFF);
        }
        else if (_protocol == StreamProtocol.Icmp)
        {
            Put16(ref start, IcmpSequenceOffset, (ushort)sequence);
            l4Sum += (ushort)sequence;
        }

        if (_signature)
        {
            if (nowNanoseconds != _time) SetTime(nowNanoseconds);
            int at = variant.TrailerOffset + FrameSignature.SequenceOffset;
            Put32(ref start, at, sequence);
            Put16(ref start, at + 4, _timeHigh);
            Put32(ref start, at + 6, _timeLow);
            uint words = (sequence >> 16) + (sequence & 0xFFFF) + _timeWords;
            // A trailer at an odd offset of the segment has its bytes paired the other way round; the sum of
            // byte-swapped words is the byte-swapped sum (RFC 1071 section 2(B)), so swap once.
            l4Sum += variant.TrailerOdd ? InternetChecksum.SwapFolded(InternetChecksum.Fold(words)) : words;
        }

        if (_checksumOffset < 0) return;
        ushort checksum = InternetChecksum.Finish(l4Sum);
        // RFC 768: a computed 0 goes out as 0xFFFF, since 0 means "no checksum" (TCP and ICMP take either).
        if (checksum == 0 && _protocol == StreamProtocol.Udp) checksum = 0xFFFF;
        Put16(ref start, _checksumOffset, checksum);
    }

    /// <summary>The signature's time fields for a burst (every frame of a burst carries the burst's time).</summary>
    private void SetTime(long nowNanoseconds)
    {
        ulong time = (ulong)nowNanoseconds & FrameSignature.TimestampMask;
        _time = nowNanoseconds;
        _timeHigh = (ushort)(time >> 32);
        _timeLow = (uint)time;
        _timeWords = (uint)(((time >> 32) & 0xFFFF) + ((time >> 16) & 0xFFFF) + (time & 0xFFFF));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put16(ref byte frame, int offset, ushort value) =>
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref frame, offset), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put32(ref byte frame, int offset, uint value) =>
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref frame, offset), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value);

    private void CopyTemplate(Span<byte> frame, ref Variant variant)
    {
        variant.Header.CopyTo(frame);
        frame[variant.Header.Length..].Clear();
        if (_signature) _trailer.CopyTo(frame[variant.TrailerOffset..]);
    }

    /// <summary>The template of one frame size and its invariant sums (the only full sums, made once at start).</summary>
    private Variant MakeVariant(int size, int tag)
    {
        var frame = new byte[size];
        Emit(frame);
        int l4HeaderLength = _protocol switch
        {
            StreamProtocol.Udp => UdpPacket.FixedHeaderLength,
            StreamProtocol.TcpSyn => TcpPacket.MinimumHeaderLength,
            StreamProtocol.Icmp => Icmpv4Packet.MinimumHeaderLength,
            _ => 0,
        };
        int trailerOffset = size - FrameSignature.Length;

        // Zero every field that changes per frame, then sum what is left.
        Span<byte> invariant = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(invariant[IpChecksumOffset..], 0);
        if (_addressesVary) invariant.Slice(IpSourceOffset, 8).Clear();
        uint ipSum = InternetChecksum.Sum(invariant.Slice(IpOffset, Ipv4Packet.MinimumHeaderLength));
        uint l4Sum = 0;
        if (_checksumOffset >= 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(invariant[_checksumOffset..], 0);
            if (_portVaries) BinaryPrimitives.WriteUInt16BigEndian(invariant[_portOffset..], 0);
            if (_protocol == StreamProtocol.TcpSyn) BinaryPrimitives.WriteUInt32BigEndian(invariant[TcpSequenceOffset..], 0);
            if (_protocol == StreamProtocol.Icmp) BinaryPrimitives.WriteUInt16BigEndian(invariant[IcmpSequenceOffset..], 0);
            if (_signature) invariant.Slice(trailerOffset + FrameSignature.SequenceOffset, 10).Clear();
            ReadOnlySpan<byte> segment = invariant[SegmentOffset..];
            uint pseudo = 0;
            if (_pseudoHeader)
            {
                Ipv4Address source = _addressesVary ? Ipv4Address.Any : Spec.SourceIps.First;
                Ipv4Address destination = _addressesVary ? Ipv4Address.Any : Spec.DestinationIps.First;
                pseudo = InternetChecksum.PseudoHeaderSum(source, destination, IpProtocolOf(_protocol), segment.Length);
            }
            l4Sum = InternetChecksum.Sum(segment, pseudo);
        }
        return new Variant
        {
            Header = frame[..(SegmentOffset + l4HeaderLength)],
            Size = size,
            TrailerOffset = trailerOffset,
            TrailerOdd = ((trailerOffset - SegmentOffset) & 1) != 0,
            IpSum = ipSum,
            L4Sum = l4Sum,
            Tag = tag,
        };
    }

    /// <summary>Writes a whole valid frame (first flow, sequence 0, time 0) with the wire representations.</summary>
    private void Emit(Span<byte> frame)
    {
        StreamSpec spec = Spec;
        Ipv4Address source = spec.SourceIps.First;
        Ipv4Address destination = spec.DestinationIps.First;
        int payloadOfIp = frame.Length - SegmentOffset;
        new EthernetRepr(spec.SourceMac, spec.DestinationMac, EtherType.Ipv4).Emit(new EthernetFrame(frame));
        var ip = new Ipv4Repr(source, destination, IpProtocolOf(_protocol), payloadOfIp, Ttl: Ipv4Repr.DefaultTtl, DontFragment: true);
        ip.Emit(new Ipv4Packet(frame[IpOffset..]));
        Span<byte> segment = frame[SegmentOffset..];
        if (_signature) _trailer.CopyTo(segment[^FrameSignature.Length..]);
        switch (_protocol)
        {
            case StreamProtocol.Udp:
                new UdpRepr(spec.SourcePort, spec.DestinationPort, payloadOfIp - UdpPacket.FixedHeaderLength).Emit(new UdpPacket(segment), source, destination);
                break;
            case StreamProtocol.TcpSyn:
                new TcpRepr
                {
                    SourcePort = spec.SourcePort,
                    DestinationPort = spec.DestinationPort,
                    Flags = TcpFlags.Syn,
                    Window = SynWindow,
                    PayloadLength = payloadOfIp - TcpPacket.MinimumHeaderLength,
                }.Emit(new TcpPacket(segment), source, destination);
                break;
            case StreamProtocol.Icmp:
                Icmpv4Repr.EchoRequest(spec.SourcePort, 0, payloadOfIp - Icmpv4Packet.MinimumHeaderLength).Emit(new Icmpv4Packet(segment));
                break;
        }
    }

    internal static IpProtocol IpProtocolOf(StreamProtocol protocol) => protocol switch
    {
        StreamProtocol.Udp => IpProtocol.Udp,
        StreamProtocol.TcpSyn => IpProtocol.Tcp,
        StreamProtocol.Icmp => IpProtocol.Icmp,
        _ => FrameSignature.RawProtocol,
    };

    private struct Variant
    {
        public byte[] Header;
        public int Size;
        public int TrailerOffset;
        public bool TrailerOdd;
        public uint IpSum;
        public uint L4Sum;
        public int Tag;
    }
}
