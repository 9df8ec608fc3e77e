using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Buffers.Binary;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>
/// Checksum verification for the receive path. Messages up to <see cref="InlineLimit"/> bytes (a ping, a
/// small datagram: what a packet-rate benchmark and most request/response traffic carry) are summed inline
/// here, 32-bit words into four 64-bit accumulators; measured on the stack's receive path, the call into
/// <see cref="InternetChecksum"/> and its vector set-up cost more than the sum itself at those sizes.
/// Longer messages take <see cref="InternetChecksum"/>'s vector paths.
/// </summary>
internal static class PacketChecksum
{
    internal const int InlineLimit = 128;

    /// <summary>True when <paramref name="message"/>, checksum field included, sums to 0xFFFF (ICMP, IGMP).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValid(ReadOnlySpan<byte> message) =>
        message.Length <= InlineLimit ? NetworkStack.Fold(SumNative(message)) == 0xFFFF : InternetChecksum.IsValid(message);

    /// <summary>True when a UDP/TCP segment sums to 0xFFFF with its IPv4 pseudo-header (RFC 768).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValidWithPseudoHeader(uint source, uint destination, IpProtocol protocol, ReadOnlySpan<byte> segment)
    {
        if (segment.Length > InlineLimit)
            return InternetChecksum.IsValidWithPseudoHeader(new Ipv4Address(source), new Ipv4Address(destination), protocol, segment);
        // The pseudo-header words in network order, as the segment's words are read: sums in either byte
        // order agree once folded and compared with 0xFFFF (RFC 1071 section 2(B)).
        ulong pseudo = (ulong)HostToNetwork(source) + HostToNetwork(destination) + NetworkWord((byte)protocol) + NetworkWord((ushort)segment.Length);
        return NetworkStack.Fold(SumNative(segment) + pseudo) == 0xFFFF;
    }

    /// <summary>The one's complement sum, unfolded, of the bytes as native-order 32-bit words (odd tail zero-padded as on the wire).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SumNative(ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length, i = 0;
        ulong a = 0, b = 0, c = 0, d = 0;
        for (; i + 16 <= length; i += 16)
        {
            a += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
            b += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 4));
            c += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 8));
            d += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + 12));
        }
        for (; i + 4 <= length; i += 4) a += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
        if (i + 2 <= length)
        {
            b += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
            i += 2;
        }
        // The last odd byte is the high byte of a zero-padded word on the wire: the low byte in memory order.
        if (i < length) c += BitConverter.IsLittleEndian ? Unsafe.Add(ref start, i) : (uint)Unsafe.Add(ref start, i) << 8;
        return a + b + c + d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint HostToNetwork(uint value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint NetworkWord(ushort value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
}
