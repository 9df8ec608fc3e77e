using System.Runtime.CompilerServices;

namespace FastPath.Apps.Sink;

/// <summary>
/// Loss, reordering and duplicates of one numbered sequence (one stream from one sending worker), in bounded
/// memory: the highest number seen and a bitmap of the last <see cref="WindowSize"/> numbers below it.
/// <list type="bullet">
/// <item>a number above the highest moves the window up; the numbers skipped are missing for now;</item>
/// <item>a number inside the window whose bit is clear arrived after a later one: reordered (RFC 4737's
///   "reordered" packet), and no longer missing;</item>
/// <item>a number inside the window whose bit is set is a duplicate;</item>
/// <item>a number older than the window cannot be told apart; it counts as reordered (late).</item>
/// </list>
/// Lost is the count of numbers from 0 to the highest that never arrived: frames lost after the last one the
/// sink saw cannot be seen (the sender's own count tells those). The sender numbers from 0, so a sink started
/// late counts what it missed as lost. Sequence numbers are 32 bits and extended to 64 across wrap-around.
/// </summary>
internal sealed class SequenceWindow
{
    public const int WindowSize = 1 << 16;
    private const int WordCount = WindowSize / 64;

    private readonly ulong[] _seen = new ulong[WordCount];
    private long _highest = -1;

    /// <summary>Distinct numbers received.</summary>
    public long Unique { get; private set; }
    public long Reordered { get; private set; }
    public long Duplicates { get; private set; }
    public long Received => Unique + Duplicates;

    /// <summary>Numbers 0..highest that have not arrived.</summary>
    public long Lost => _highest + 1 - Unique;

    public long Highest => _highest;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(uint sequence)
    {
        // Extend the 32-bit number to the 64-bit one closest to the highest seen, so that a wrap-around at
        // 2^32 continues the count and a late frame from before it stays below.
        long number = _highest < 0 ? sequence : _highest + (int)(sequence - (uint)_highest);
        if (number > _highest)
        {
            Advance(number);
            Unique++;
            return;
        }
        if (number < 0 || _highest - number >= WindowSize)
        {
            Reordered++;
            Unique++;
            return;
        }
        ref ulong word = ref _seen[(int)(number >> 6) & (WordCount - 1)];
        ulong bit = 1UL << (int)(number & 63);
        if ((word & bit) != 0)
        {
            Duplicates++;
            return;
        }
        word |= bit;
        Reordered++;
        Unique++;
    }

    /// <summary>Moves the window's top to <paramref name="number"/>: the numbers skipped are cleared (missing), the new one set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Advance(long number)
    {
        long gap = number - _highest;
        if (gap == 1)
        {
            ref ulong word = ref _seen[(int)(number >> 6) & (WordCount - 1)];
            word |= 1UL << (int)(number & 63);
        }
        else
        {
            ClearRange(_highest + 1, number - 1);
            _seen[(int)(number >> 6) & (WordCount - 1)] |= 1UL << (int)(number & 63);
        }
        _highest = number;
    }

    private void ClearRange(long first, long last)
    {
        if (last < first) return;
        if (last - first + 1 >= WindowSize)
        {
            Array.Clear(_seen);
            return;
        }
        for (long n = first; n <= last;)
        {
            int index = (int)(n >> 6) & (WordCount - 1);
            int low = (int)(n & 63);
            int high = (int)Math.Min(63, low + (last - n));
            ulong mask = high == 63 ? ulong.MaxValue << low : ((1UL << (high + 1)) - 1) & (ulong.MaxValue << low);
            _seen[index] &= ~mask;
            n += high - low + 1;
        }
    }
}
