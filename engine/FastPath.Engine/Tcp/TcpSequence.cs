using System.Runtime.CompilerServices;

namespace FastPath.Engine.Tcp;

/// <summary>
/// Sequence number arithmetic modulo 2^32 (RFC 9293 section 3.4): a is before b when the signed 32-bit
/// difference b - a is positive, which holds as long as the two are less than 2^31 apart, as they are
/// inside any window.
/// </summary>
internal static class TcpSequence
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LessThan(uint a, uint b) => (int)(a - b) < 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LessOrEqual(uint a, uint b) => (int)(a - b) <= 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterThan(uint a, uint b) => (int)(a - b) > 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool GreaterOrEqual(uint a, uint b) => (int)(a - b) >= 0;

    /// <summary>start &lt;= value &lt; endExclusive, measured from start so a range across 2^32 works.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool InRange(uint value, uint start, uint endExclusive) => value - start < endExclusive - start;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Max(uint a, uint b) => GreaterThan(a, b) ? a : b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Min(uint a, uint b) => LessThan(a, b) ? a : b;
}
