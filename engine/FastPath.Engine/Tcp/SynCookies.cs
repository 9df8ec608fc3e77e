using System.Buffers.Binary;
using System.Security.Cryptography;

namespace FastPath.Engine.Tcp;

/// <summary>
/// SYN cookies (RFC 4987 section 3.6, in the classic layout Linux started from): when the SYN backlog is
/// full the listener keeps no state and sends, as its ISN,
/// <c>counter mod 32 (5 bits) | MSS index (3 bits) | 24 bits of SipHash(4-tuple, peer ISN, counter, MSS index)</c>.
/// The handshake ACK returns it as ack - 1; a valid hash proves we sent it, to this peer, recently. The
/// counter ticks every 64 seconds and cookies of the current and the previous tick are accepted. Options
/// a cookie cannot hold (window scale, SACK-permitted) ride in the low bits of our timestamp when the
/// peer uses timestamps, as Linux does (cookie_init_timestamp).
/// </summary>
internal sealed class SynCookies
{
    /// <summary>How long one counter value lasts.</summary>
    public const long PeriodNanoseconds = 64L * 1_000_000_000;

    /// <summary>
    /// The MSS a cookie can carry, ascending; the largest not above the peer's is chosen. 536 is RFC 9293's
    /// default, 1460 Ethernet, 8960 a 9000-byte jumbo MTU; the rest are common tunnel and PPPoE sizes, so a
    /// peer behind one is not pushed down to 536.
    /// </summary>
    public static ReadOnlySpan<ushort> MssTable => [536, 1200, 1300, 1400, 1440, 1452, 1460, 8960];

    private const int HashBits = 24;
    private const uint HashMask = (1u << HashBits) - 1;
    private const int CounterShift = 27;
    private const uint CounterFieldMask = 31;
    private const uint MssIndexMask = 7;

    private const uint TimestampOptionsMask = 0x3F;
    private const uint TimestampValidBit = 1 << 5;
    private const uint TimestampSackBit = 1 << 4;
    private const uint TimestampNoWindowScale = 0xF;
    private const byte MaximumWindowScale = 14; // RFC 7323 section 2.3

    private readonly ulong _k0;
    private readonly ulong _k1;

    public SynCookies()
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        _k0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        _k1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
    }

    /// <summary>Cookies under a known secret (tests).</summary>
    internal SynCookies(ulong k0, ulong k1)
    {
        _k0 = k0;
        _k1 = k1;
    }

    /// <summary>Our ISN for a SYN we keep no state for. <paramref name="now"/> in nanoseconds.</summary>
    public uint Create(uint localAddress, ushort localPort, uint remoteAddress, ushort remotePort, uint peerIsn, int mss, long now)
    {
        uint counter = Counter(now);
        uint mssIndex = MssIndex(mss);
        uint hash = Hash(localAddress, localPort, remoteAddress, remotePort, peerIsn, counter, mssIndex);
        return (counter & CounterFieldMask) << CounterShift | mssIndex << HashBits | hash;
    }

    /// <summary>
    /// Checks the cookie a handshake ACK returned (its ack - 1; <paramref name="peerIsn"/> is its seq - 1)
    /// against the current and the previous counter. On success <paramref name="mss"/> is the MSS from the table.
    /// </summary>
    public bool TryValidate(uint localAddress, ushort localPort, uint remoteAddress, ushort remotePort, uint peerIsn, uint cookie, long now, out int mss)
    {
        mss = 0;
        uint current = Counter(now);
        uint field = cookie >> CounterShift;
        uint mssIndex = cookie >> HashBits & MssIndexMask;
        for (uint age = 0; age <= 1; age++)
        {
            uint counter = current - age;
            if ((counter & CounterFieldMask) != field) continue;
            if (Hash(localAddress, localPort, remoteAddress, remotePort, peerIsn, counter, mssIndex) != (cookie & HashMask)) return false;
            mss = MssTable[(int)mssIndex];
            return true;
        }
        return false;
    }

    /// <summary>
    /// Our TSval for the SYN-ACK with the peer's window scale (null: the peer sent none) and SACK-permitted
    /// in its low six bits. The result is never later than <paramref name="tsval"/>, so the timestamps we
    /// send once the connection exists never go backwards (Linux subtracts 64 for the same reason).
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Called on the listener's cookie instance like the rest of the cookie API.")]
    public uint EncodeTimestampOptions(uint tsval, byte? windowScale, bool sackPermitted)
    {
        uint options = TimestampValidBit
            | (windowScale is byte scale ? Math.Min(scale, MaximumWindowScale) : TimestampNoWindowScale)
            | (sackPermitted ? TimestampSackBit : 0);
        uint encoded = (tsval & ~TimestampOptionsMask) | options;
        if (TcpSequence.GreaterThan(encoded, tsval)) encoded -= TimestampOptionsMask + 1;
        return encoded;
    }

    /// <summary>Reads the options back from the TSecr of the handshake ACK; false when they were never encoded.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Called on the listener's cookie instance like the rest of the cookie API.")]
    public bool TryDecodeTimestampOptions(uint tsecr, out byte? windowScale, out bool sackPermitted)
    {
        windowScale = null;
        sackPermitted = false;
        if ((tsecr & TimestampValidBit) == 0) return false;
        uint scale = tsecr & 0xF; // 0..14 a shift count, 15 none: every value is meaningful
        if (scale != TimestampNoWindowScale) windowScale = (byte)scale;
        sackPermitted = (tsecr & TimestampSackBit) != 0;
        return true;
    }

    internal static uint MssIndex(int mss)
    {
        ReadOnlySpan<ushort> table = MssTable;
        uint index = 0;
        for (int i = 1; i < table.Length; i++)
        {
            if (table[i] <= mss) index = (uint)i;
        }
        return index;
    }

    private static uint Counter(long now) => (uint)(now / PeriodNanoseconds);

    private uint Hash(uint localAddress, ushort localPort, uint remoteAddress, ushort remotePort, uint peerIsn, uint counter, uint mssIndex)
    {
        Span<byte> input = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(input, localAddress);
        BinaryPrimitives.WriteUInt16LittleEndian(input[4..], localPort);
        BinaryPrimitives.WriteUInt32LittleEndian(input[6..], remoteAddress);
        BinaryPrimitives.WriteUInt16LittleEndian(input[10..], remotePort);
        BinaryPrimitives.WriteUInt32LittleEndian(input[12..], peerIsn);
        BinaryPrimitives.WriteUInt32LittleEndian(input[16..], counter);
        BinaryPrimitives.WriteUInt32LittleEndian(input[20..], mssIndex);
        return (uint)SipHash.Hash(_k0, _k1, input) & HashMask;
    }
}
