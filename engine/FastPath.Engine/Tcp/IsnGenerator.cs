using System.Buffers.Binary;
using System.Security.Cryptography;

namespace FastPath.Engine.Tcp;

/// <summary>
/// Initial sequence numbers per RFC 6528 section 3: ISN = M + F(localip, localport, remoteip, remoteport,
/// secretkey), M a 4-microsecond clock (RFC 9293 section 3.4.1) and F SipHash-2-4 under a secret drawn
/// once. Per connection the numbers advance with the clock, so a reincarnation of a 4-tuple starts
/// above its predecessor's old segments; across 4-tuples they are unpredictable to an off-path attacker.
/// </summary>
internal sealed class IsnGenerator
{
    private const long NanosecondsPerTick = 4000;

    private readonly ulong _k0;
    private readonly ulong _k1;

    public IsnGenerator()
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        _k0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        _k1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
    }

    /// <summary>A generator with a known secret (tests).</summary>
    internal IsnGenerator(ulong k0, ulong k1)
    {
        _k0 = k0;
        _k1 = k1;
    }

    /// <summary>The ISN for a new connection on this 4-tuple; <paramref name="now"/> is the worker's clock in nanoseconds.</summary>
    public uint Next(uint localAddress, ushort localPort, uint remoteAddress, ushort remotePort, long now)
    {
        // The 12 bytes local address, local port, remote address, remote port (each little-endian), as two words.
        ulong first8 = localAddress | (ulong)localPort << 32 | (ulong)(remoteAddress & 0xFFFF) << 48;
        uint last4 = remoteAddress >> 16 | (uint)remotePort << 16;
        uint offset = (uint)SipHash.Hash12(_k0, _k1, first8, last4);
        return unchecked((uint)(now / NanosecondsPerTick) + offset);
    }
}
