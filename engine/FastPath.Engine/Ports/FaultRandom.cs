namespace FastPath.Engine.Ports;

/// <summary>
/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64 as its authors recommend. Our own rather than
/// <see cref="Random"/> so a seed gives the same faults on every .NET version, forever, and a value type so
/// drawing allocates nothing.
/// </summary>
internal struct FaultRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public FaultRandom(ulong seed)
    {
        _s0 = SplitMix64(ref seed);
        _s1 = SplitMix64(ref seed);
        _s2 = SplitMix64(ref seed);
        _s3 = SplitMix64(ref seed);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>True with probability <paramref name="probability"/> (53 random bits against it).</summary>
    public bool Chance(double probability) => (NextUInt64() >> 11) * (1.0 / (1UL << 53)) < probability;

    /// <summary>Uniform in [0, <paramref name="bound"/>) by Lemire's multiply-shift (bias below 2^-32: irrelevant here).</summary>
    public int Next(int bound) => (int)(((NextUInt64() >> 32) * (ulong)(uint)bound) >> 32);

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
