using System.Runtime.CompilerServices;

namespace FastPath.Apps.Generator;

/// <summary>
/// xorshift64* (Vigna 2016): a few cycles a draw, good enough to pick flows and sizes, and reproducible from
/// its seed. A struct owned by one worker: no sharing, no locks.
/// </summary>
internal struct FastRandom
{
    private ulong _state;

    /// <summary>Any seed (0 included: the state must not be 0, so it is mixed with a constant first).</summary>
    public FastRandom(ulong seed) => _state = (seed ^ 0x9E3779B97F4A7C15UL) | 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Next()
    {
        ulong x = _state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _state = x;
        return x * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>Scales 32 random bits to [0, <paramref name="bound"/>) by a multiply and a shift (Lemire): no division.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Below(uint random32, uint bound) => (uint)(((ulong)random32 * bound) >> 32);
}
