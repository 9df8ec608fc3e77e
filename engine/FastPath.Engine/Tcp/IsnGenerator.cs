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
        Span<byte> tuple = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(tuple, localAddress);
        BinaryPrimitives.WriteUInt16LittleEndian(tuple[4..], localPort);
        BinaryPrimitives.WriteUInt32LittleEndian(tuple[6..], remoteAddress);
        BinaryPrimitives.WriteUInt16LittleEndian(tuple[10..], remotePort);
        uint offset = (uint)SipHash.Hash(_k0, _k1, tuple);
        return unchecked((uint)(now / NanosecondsPerTick) + offset);
    }
}
