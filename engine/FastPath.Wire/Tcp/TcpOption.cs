using System.Buffers.Binary;

namespace FastPath.Wire.Tcp;

/// <summary>
/// One option of a TCP header, as <see cref="TcpOptionEnumerator"/> yields it: its kind and the bytes after
/// the kind and length. The enumerator has checked the length of every kind FastPath interprets, so the
/// typed accessors below are safe on the kind they belong to.
/// </summary>
public readonly ref struct TcpOption
{
    internal TcpOption(TcpOptionKind kind, ReadOnlySpan<byte> data)
    {
        Kind = kind;
        Data = data;
    }

    /// <summary>The kind byte; may be a value outside <see cref="TcpOptionKind"/> for options FastPath skips.</summary>
    public TcpOptionKind Kind { get; }

    /// <summary>The option's value: its bytes after kind and length.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The value of the length byte: the option's size including kind and length.</summary>
    public int Length => Data.Length + 2;

    public ushort MaxSegmentSize => BinaryPrimitives.ReadUInt16BigEndian(DataOf(TcpOptionKind.MaxSegmentSize));

    /// <summary>The shift count as sent, not clamped (<see cref="TcpRepr.WindowScale"/> is the interpreted value).</summary>
    public byte WindowScale => DataOf(TcpOptionKind.WindowScale)[0];

    /// <summary>TSval: the sender's timestamp clock (RFC 7323 section 3.2).</summary>
    public uint TimestampValue => BinaryPrimitives.ReadUInt32BigEndian(DataOf(TcpOptionKind.Timestamps));

    /// <summary>TSecr: the TSval the sender last received, echoed back.</summary>
    public uint TimestampEchoReply => BinaryPrimitives.ReadUInt32BigEndian(DataOf(TcpOptionKind.Timestamps)[4..]);

    public int SackBlockCount => DataOf(TcpOptionKind.Sack).Length / 8;

    public TcpSackBlock GetSackBlock(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, SackBlockCount);
        return ReadSackBlock(Data, index);
    }

    internal static TcpSackBlock ReadSackBlock(ReadOnlySpan<byte> data, int index) =>
        new(BinaryPrimitives.ReadUInt32BigEndian(data[(index * 8)..]), BinaryPrimitives.ReadUInt32BigEndian(data[(index * 8 + 4)..]));

    /// <summary>
    /// True when an option of this kind may have this total length. Kinds FastPath does not interpret may
    /// have any length from 2 up: RFC 9293 section 3.2 requires skipping them by their length.
    /// </summary>
    internal static bool IsValidLength(TcpOptionKind kind, int length) => kind switch
    {
        TcpOptionKind.MaxSegmentSize => length == 4,
        TcpOptionKind.WindowScale => length == 3,
        TcpOptionKind.SackPermitted => length == 2,
        TcpOptionKind.Sack => length >= 10 && length <= 34 && (length - 2) % 8 == 0,
        TcpOptionKind.Timestamps => length == 10,
        _ => length >= 2,
    };

    private ReadOnlySpan<byte> DataOf(TcpOptionKind expected)
    {
        if (Kind != expected) ThrowWrongKind(expected, Kind);
        return Data;
    }

    private static void ThrowWrongKind(TcpOptionKind expected, TcpOptionKind actual) =>
        throw new InvalidOperationException($"This option is {actual}, not {expected}.");
}
