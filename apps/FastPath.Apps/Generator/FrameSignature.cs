using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Generator;

/// <summary>A signature read from a received frame.</summary>
/// <param name="Stream">The stream id the sender gave.</param>
/// <param name="Lane">The sending worker: each worker numbers its frames of a stream on its own.</param>
/// <param name="Sequence">The frame's number in its stream and lane, from 0.</param>
/// <param name="Timestamp">The low 48 bits of the sender's monotonic clock in nanoseconds when it built the burst.</param>
public readonly record struct SignatureRecord(ushort Stream, byte Lane, uint Sequence, ulong Timestamp);

/// <summary>
/// The 16 bytes a generated frame carries at the end of its payload so that a sink can tell streams apart,
/// count loss, reordering and duplicates, and measure latency:
/// <code>
///  0..2   magic 0x46 0x50 0xA7 ("FP" and a byte text rarely has)
///  3      lane: the sending worker
///  4..5   stream id           (big-endian)
///  6..9   sequence number     (big-endian, per stream and lane, from 0)
///  10..15 send time, ns       (big-endian, low 48 bits of CLOCK_MONOTONIC: same-host one-way latency)
/// </code>
/// At the end of the payload rather than the start, as TRex and MoonGen put theirs, so that it survives
/// whatever a device under test does to the headers, and so that a reflector that echoes the payload
/// (an ICMP echo responder) hands it back unchanged.
/// </summary>
public static class FrameSignature
{
    public const int Length = 16;
    public const uint Magic = 0x4650A7;
    public const int SequenceOffset = 6;
    public const int TimestampOffset = 10;
    public const ulong TimestampMask = (1UL << 48) - 1;

    /// <summary>IP protocol of <see cref="StreamProtocol.Raw"/> frames (RFC 3692: experimentation and testing).</summary>
    public const IpProtocol RawProtocol = (IpProtocol)253;

    private const int EthernetHeader = 14;

    /// <summary>The 6 bytes that do not change from frame to frame of one stream and lane.</summary>
    internal static void WriteConstantPart(Span<byte> trailer, ushort stream, byte lane)
    {
        BinaryPrimitives.WriteUInt32BigEndian(trailer, Magic << 8 | lane);
        BinaryPrimitives.WriteUInt16BigEndian(trailer[4..], stream);
    }

    /// <summary>Now on the clock signatures carry: nanoseconds of Stopwatch (CLOCK_MONOTONIC on Linux).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long NowNanoseconds()
    {
        long ticks = Stopwatch.GetTimestamp();
        return Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));
    }

    /// <summary>
    /// Finds the signature of an Ethernet frame carrying IPv4 UDP, ICMP or protocol 253: the last 16 bytes of
    /// the transport payload, located by the IP total length (and the UDP length), so Ethernet padding is
    /// never mistaken for it. False for any other frame, or one whose last 16 bytes lack the magic.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> frame, out SignatureRecord signature)
    {
        signature = default;
        if (frame.Length < EthernetHeader + Ipv4Packet.MinimumHeaderLength + Length) return false;
        if (BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != (ushort)EtherType.Ipv4) return false;
        ReadOnlySpan<byte> ip = frame[EthernetHeader..];
        int versionAndLength = ip[0];
        if (versionAndLength >> 4 != 4) return false;
        int headerLength = (versionAndLength & 0xF) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (headerLength < Ipv4Packet.MinimumHeaderLength || totalLength > ip.Length || totalLength < headerLength + Length) return false;
        if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0) return false; // a fragment's end is not the datagram's
        int end;
        switch ((IpProtocol)ip[9])
        {
            case IpProtocol.Udp:
                int udpLength = BinaryPrimitives.ReadUInt16BigEndian(ip[(headerLength + 4)..]);
                if (udpLength < 8 + Length || headerLength + udpLength > totalLength) return false;
                end = headerLength + udpLength;
                break;
            case IpProtocol.Icmp:
                if (totalLength < headerLength + 8 + Length) return false;
                end = totalLength;
                break;
            case RawProtocol:
                end = totalLength;
                break;
            default:
                return false;
        }
        ReadOnlySpan<byte> trailer = ip.Slice(end - Length, Length);
        uint head = BinaryPrimitives.ReadUInt32BigEndian(trailer);
        if (head >> 8 != Magic) return false;
        ulong timestamp = BinaryPrimitives.ReadUInt64BigEndian(trailer[8..]) & TimestampMask;
        signature = new SignatureRecord(BinaryPrimitives.ReadUInt16BigEndian(trailer[4..]), (byte)head,
            BinaryPrimitives.ReadUInt32BigEndian(trailer[SequenceOffset..]), timestamp);
        return true;
    }

    /// <summary>Nanoseconds from a signature's send time to <paramref name="nowNanoseconds"/>, modulo 2^48; negative if the send time is ahead of now.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Elapsed(ulong timestamp, long nowNanoseconds)
    {
        ulong difference = ((ulong)nowNanoseconds - timestamp) & TimestampMask;
        // Sign-extend from 48 bits: a send time "ahead" of the receiver's clock comes out negative, not as 78 hours.
        return (long)(difference << 16) >> 16;
    }
}
