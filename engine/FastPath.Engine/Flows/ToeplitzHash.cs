using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Flows;

/// <summary>
/// The Toeplitz hash that NICs use for receive-side scaling (Microsoft RSS specification). Each input bit
/// that is set XORs in the 32-bit window of the key that starts at that bit; here a table per input byte
/// position holds the XOR for every byte value, so hashing n bytes is n table loads and no bit loop.
/// <para>
/// With the key 0x6d5a repeated (<see cref="Symmetric"/>) the key is periodic with a 16-bit period, so
/// swapping the two addresses (a 32-bit shift) and the two ports (a 16-bit shift) selects the same key
/// windows: (a, b) and (b, a) hash the same, and both directions of a connection land on one worker
/// (Woo and Park, "Scalable TCP Session Monitoring with Symmetric Receive-side Scaling", 2012).
/// </para>
/// </summary>
public sealed class ToeplitzHash
{
    private const int ByteValues = 256;

    // A flat [position * 256 + value] table; 36 KB for the 40-byte keys, 12 KB of it for an IPv4 4-tuple.
    private readonly uint[] _table;

    /// <param name="key">The secret key; inputs may be up to key length - 4 bytes long (36 for the usual 40-byte keys).</param>
    public ToeplitzHash(ReadOnlySpan<byte> key)
    {
        if (key.Length < 5) throw new ArgumentException("a Toeplitz key needs at least 5 bytes (32 bits of window plus one input byte)", nameof(key));
        Key = key.ToArray();
        MaxInputLength = key.Length - 4;
        _table = new uint[MaxInputLength * ByteValues];
        Span<uint> windows = stackalloc uint[8];
        for (int position = 0; position < MaxInputLength; position++)
        {
            for (int bit = 0; bit < 8; bit++) windows[bit] = KeyWindow(key, position * 8 + bit);
            for (int value = 0; value < ByteValues; value++)
            {
                uint hash = 0;
                for (int bit = 0; bit < 8; bit++)
                {
                    // Bit 0 is the byte's most significant bit: the input is hashed in network bit order.
                    if ((value & (0x80 >> bit)) != 0) hash ^= windows[bit];
                }
                _table[position * ByteValues + value] = hash;
            }
        }
    }

    /// <summary>The key of the RSS specification and most NIC drivers' default (Microsoft, "Verifying the RSS Hash Calculation").</summary>
    public static ReadOnlySpan<byte> MicrosoftKey =>
    [
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
        0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
        0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
    ];

    /// <summary>0x6d5a repeated to 40 bytes: symmetric for IPv4 and IPv6 2- and 4-tuples.</summary>
    public static ReadOnlySpan<byte> SymmetricKey =>
    [
        0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
        0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
        0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    ];

    /// <summary>A hash with <see cref="SymmetricKey"/>: what flow steering uses.</summary>
    public static ToeplitzHash Symmetric { get; } = new(SymmetricKey);

    /// <summary>A hash with <see cref="MicrosoftKey"/>: matches a NIC programmed with the default key.</summary>
    public static ToeplitzHash Microsoft { get; } = new(MicrosoftKey);

    public ReadOnlyMemory<byte> Key { get; }

    public int MaxInputLength { get; }

    /// <summary>The hash of <paramref name="input"/> (at most <see cref="MaxInputLength"/> bytes), in network order as RSS feeds it.</summary>
    public uint Compute(ReadOnlySpan<byte> input)
    {
        if (input.Length > MaxInputLength) ThrowInputTooLong(input.Length);
        ref uint table = ref MemoryMarshal.GetArrayDataReference(_table);
        uint hash = 0;
        for (int position = 0; position < input.Length; position++)
            hash ^= Unsafe.Add(ref table, position * ByteValues + input[position]);
        return hash;
    }

    /// <summary>The RSS "IPv4" hash: source then destination address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ComputeIpv4(Ipv4Address source, Ipv4Address destination)
    {
        ref uint table = ref MemoryMarshal.GetArrayDataReference(_table);
        return Word(ref table, 0, source.Value) ^ Word(ref table, 4, destination.Value);
    }

    /// <summary>The RSS "TCP/UDP over IPv4" hash: source address, destination address, source port, destination port.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ComputeIpv4(Ipv4Address source, Ipv4Address destination, ushort sourcePort, ushort destinationPort)
    {
        // 12 fixed-position loads: the compiler sees every index, so no bounds checks and no loop.
        ref uint table = ref MemoryMarshal.GetArrayDataReference(_table);
        if (MaxInputLength < 12) ThrowInputTooLong(12);
        uint ports = (uint)sourcePort << 16 | destinationPort;
        return Word(ref table, 0, source.Value) ^ Word(ref table, 4, destination.Value) ^ Word(ref table, 8, ports);
    }

    /// <summary>The hash of a flow's 4-tuple (the protocol is not hashed, as in RSS).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Compute(in FlowKey key) => ComputeIpv4(key.Source, key.Destination, key.SourcePort, key.DestinationPort);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Word(ref uint table, int position, uint bigEndianWord) =>
        Unsafe.Add(ref table, (position + 0) * ByteValues + (int)(bigEndianWord >> 24)) ^
        Unsafe.Add(ref table, (position + 1) * ByteValues + (int)((bigEndianWord >> 16) & 0xFF)) ^
        Unsafe.Add(ref table, (position + 2) * ByteValues + (int)((bigEndianWord >> 8) & 0xFF)) ^
        Unsafe.Add(ref table, (position + 3) * ByteValues + (int)(bigEndianWord & 0xFF));

    /// <summary>Bits [bit, bit + 32) of the key, most significant first.</summary>
    private static uint KeyWindow(ReadOnlySpan<byte> key, int bit)
    {
        int first = bit >> 3;
        ulong forty = 0;
        for (int i = 0; i < 5; i++) forty = forty << 8 | key[first + i];
        return (uint)((forty << (bit & 7)) >> 8);
    }

    private void ThrowInputTooLong(int length) =>
        throw new ArgumentException($"{length} bytes to hash, but a {Key.Length}-byte key hashes at most {MaxInputLength}");
}
