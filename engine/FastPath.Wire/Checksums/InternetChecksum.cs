using System.Runtime.CompilerServices;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Checksums;

/// <summary>
/// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of the data
/// taken as big-endian 16-bit words. Values are in host order, as <c>BinaryPrimitives.ReadUInt16BigEndian</c>
/// reads them off the wire (0x25ec for the IPv4 header of the TFTP vector).
/// </summary>
/// <remarks>
/// A partial sum (<see cref="Sum(ReadOnlySpan{byte}, uint)"/>) is folded to 16 bits, so partial sums of
/// several pieces add with <see cref="Add"/>. Every piece but the last must have an even length: an odd
/// piece would shift the words of the next one (RFC 1071 section 2(A)).
/// </remarks>
public static partial class InternetChecksum
{
    /// <summary>The one's complement sum of <paramref name="data"/> plus <paramref name="initial"/>, folded to 16 bits.</summary>
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0) => Add(SumBestPath(data), initial);

    /// <summary>The checksum field value for <paramref name="data"/>: the complement of its sum.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Sum(data));

    /// <summary>
    /// Messages up to this many bytes are verified inline by the checking methods: measured on the stack's
    /// receive path, a call into the dispatched sum and its vector set-up cost more than the sum itself at
    /// the sizes of a ping or a small datagram.
    /// </summary>
    internal const int InlineCheckLimit = 128;

    /// <summary>True when the data, checksum field included, sums to 0xFFFF (RFC 1071 section 1 (4)).</summary>
    /// <remarks>No byte swap is needed to compare with 0xFFFF, which reads the same in either order (RFC 1071 section 2(B)).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValid(ReadOnlySpan<byte> data) =>
        data.Length <= InlineCheckLimit ? Fold(SumNativeUnfolded(data)) == 0xFFFF : Sum(data) == 0xFFFF;

    /// <summary>Complements a partial sum into the value that goes in the checksum field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Finish(uint partialSum) => (ushort)~Fold(partialSum);

    /// <summary>One's complement addition of two partial sums.</summary>
    public static uint Add(uint a, uint b) => Fold((ulong)a + b);

    /// <summary>The sum of the UDP/TCP pseudo-header (RFC 768, RFC 9293 section 3.1) for an IPv4 segment.</summary>
    public static uint PseudoHeaderSum(Ipv4Address source, Ipv4Address destination, IpProtocol protocol, int segmentLength)
    {
        ulong sum = (source.Value >> 16) + (source.Value & 0xFFFF)
                  + (destination.Value >> 16) + (destination.Value & 0xFFFF)
                  + (uint)protocol + (uint)segmentLength;
        return Fold(sum);
    }

    /// <summary>
    /// The checksum of a UDP or TCP segment (header with its checksum field zero, and payload) under the
    /// IPv4 pseudo-header. UDP callers turn a result of 0 into 0xFFFF (RFC 768: 0 means "no checksum").
    /// </summary>
    public static ushort ComputeWithPseudoHeader(Ipv4Address source, Ipv4Address destination, IpProtocol protocol, ReadOnlySpan<byte> segment) =>
        Finish(Sum(segment, PseudoHeaderSum(source, destination, protocol, segment.Length)));

    /// <summary>True when a received segment, checksum field included, sums to 0xFFFF with its pseudo-header.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValidWithPseudoHeader(Ipv4Address source, Ipv4Address destination, IpProtocol protocol, ReadOnlySpan<byte> segment)
    {
        if (segment.Length > InlineCheckLimit)
            return Sum(segment, PseudoHeaderSum(source, destination, protocol, segment.Length)) == 0xFFFF;
        // The pseudo-header's words as the segment's are read, in native order: sums in either byte order
        // agree once folded and compared with 0xFFFF.
        ulong pseudo = (ulong)NativeOrder(source.Value) + NativeOrder(destination.Value)
                     + NativeOrder((ushort)protocol) + NativeOrder((ushort)segment.Length);
        return Fold(SumNativeUnfolded(segment) + pseudo) == 0xFFFF;
    }

    /// <summary>
    /// RFC 1624 equation 3, HC' = ~(~HC + ~m + m'): the new checksum after one 16-bit word of the covered
    /// data changed from <paramref name="oldWord"/> to <paramref name="newWord"/>, without summing the rest.
    /// Equation 3, not 2: equation 2 (HC - ~m - m') gives 0xFFFF where a recompute gives 0x0000 (the
    /// RFC 1624 section 4 example); equation 3 agrees with a recompute unless the data becomes all zeros
    /// (0x0000 against 0xFFFF, the two zeros of one's complement).
    /// </summary>
    public static ushort Update(ushort checksum, ushort oldWord, ushort newWord)
    {
        uint sum = (uint)(ushort)~checksum + (ushort)~oldWord + newWord;
        return (ushort)~Fold(sum);
    }

    /// <summary>RFC 1624 update for a 32-bit field (an IPv4 address in the header or the pseudo-header).</summary>
    public static ushort Update(ushort checksum, uint oldValue, uint newValue)
    {
        ulong sum = (uint)(ushort)~checksum
                  + (ushort)~(oldValue >> 16) + (ushort)~(oldValue & 0xFFFF)
                  + (newValue >> 16) + (newValue & 0xFFFF);
        return (ushort)~Fold(sum);
    }

    /// <summary>A host-order value as it reads natively from its network-order bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint NativeOrder(uint value) => BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(value) : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint NativeOrder(ushort value) => BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(value) : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Fold(ulong sum)
    {
        sum = (sum >> 32) + (sum & 0xFFFF_FFFF);
        sum = (sum >> 32) + (sum & 0xFFFF_FFFF);
        uint s = (uint)sum;
        s = (s >> 16) + (s & 0xFFFF);
        s = (s >> 16) + (s & 0xFFFF);
        return s;
    }
}
