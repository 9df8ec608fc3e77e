using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using FastPath.Wire.Tcp;

namespace FastPath.Engine.Tcp;

/// <summary>
/// A received segment as the state machine reads it (RFC 9293 section 3.10.7's SEG.* variables): header fields
/// and the options FastPath acts on, with the payload still in the frame. Options are parsed by hand here
/// rather than through <see cref="TcpRepr"/>: a data segment carries at most timestamps and SACK, and the
/// usual 12-byte NOP NOP TS layout is matched with one compare.
/// </summary>
internal ref struct TcpSegment
{
    public ushort SourcePort;
    public ushort DestinationPort;
    public uint Sequence;
    public uint Acknowledgment;
    public TcpFlags Flags;
    public ushort Window;
    public ushort UrgentPointer;
    public Span<byte> Payload;
    public int Mss;            // 0: no option
    public int WindowScale;    // -1: no option
    public bool SackPermitted;
    public bool HasTimestamps;
    public uint TimestampValue;
    public uint TimestampEcho;
    public TcpSackBlocks SackBlocks;

    public readonly bool Syn => (Flags & TcpFlags.Syn) != 0;
    public readonly bool Ack => (Flags & TcpFlags.Ack) != 0;
    public readonly bool Rst => (Flags & TcpFlags.Rst) != 0;
    public readonly bool Fin => (Flags & TcpFlags.Fin) != 0;
    public readonly bool Urg => (Flags & TcpFlags.Urg) != 0;

    /// <summary>SEG.LEN: payload plus one for SYN and one for FIN.</summary>
    public readonly int Length => Payload.Length + (Syn ? 1 : 0) + (Fin ? 1 : 0);

    /// <summary>Reads the header of <paramref name="segment"/> (at least 20 bytes, data offset checked by the caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(Span<byte> segment, int headerLength, out TcpSegment parsed)
    {
        parsed = default;
        parsed.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(segment);
        parsed.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(segment[2..]);
        parsed.Sequence = BinaryPrimitives.ReadUInt32BigEndian(segment[4..]);
        parsed.Acknowledgment = BinaryPrimitives.ReadUInt32BigEndian(segment[8..]);
        parsed.Flags = (TcpFlags)segment[13];
        parsed.Window = BinaryPrimitives.ReadUInt16BigEndian(segment[14..]);
        parsed.UrgentPointer = BinaryPrimitives.ReadUInt16BigEndian(segment[18..]);
        parsed.Payload = segment[headerLength..];
        parsed.WindowScale = -1;
        if (headerLength == TcpPacket.MinimumHeaderLength) return true;
        Span<byte> options = segment[TcpPacket.MinimumHeaderLength..headerLength];
        // The layout every Linux data segment has: NOP, NOP, TS(10).
        if (options.Length == 12 && BinaryPrimitives.ReadUInt32BigEndian(options) == 0x0101080Au)
        {
            parsed.HasTimestamps = true;
            parsed.TimestampValue = BinaryPrimitives.ReadUInt32BigEndian(options[4..]);
            parsed.TimestampEcho = BinaryPrimitives.ReadUInt32BigEndian(options[8..]);
            return true;
        }
        return ParseOptions(options, ref parsed);
    }

    private static bool ParseOptions(Span<byte> options, ref TcpSegment parsed)
    {
        Span<TcpSackBlock> blocks = stackalloc TcpSackBlock[TcpSackBlocks.MaxCount];
        var enumerator = new TcpOptionEnumerator(options);
        while (enumerator.MoveNext())
        {
            TcpOption option = enumerator.Current;
            switch (option.Kind)
            {
                case TcpOptionKind.MaxSegmentSize:
                    parsed.Mss = option.MaxSegmentSize;
                    break;
                case TcpOptionKind.WindowScale:
                    parsed.WindowScale = Math.Min((int)option.WindowScale, TcpRepr.MaxWindowScale);
                    break;
                case TcpOptionKind.SackPermitted:
                    parsed.SackPermitted = true;
                    break;
                case TcpOptionKind.Timestamps:
                    parsed.HasTimestamps = true;
                    parsed.TimestampValue = option.TimestampValue;
                    parsed.TimestampEcho = option.TimestampEchoReply;
                    break;
                case TcpOptionKind.Sack:
                    int count = option.SackBlockCount;
                    for (int i = 0; i < count; i++) blocks[i] = option.GetSackBlock(i);
                    parsed.SackBlocks = new TcpSackBlocks(blocks[..count]);
                    break;
            }
        }
        return enumerator.Error == Wire.WireError.None;
    }
}
