using System.Runtime.CompilerServices;

namespace FastPath.Engine.Telemetry;

/// <summary>
/// Packets dropped, counted by reason: an enum of the caller's (the stack's StackDropReason, an app's own)
/// with values 0..N-1 or close to it. One thread counts (a plain increment, no atomics); others read for
/// snapshots. <see cref="TelemetryJson.WriteDrops{TReason}"/> writes them with snake_case names.
/// </summary>
public sealed class DropCounters<TReason> where TReason : struct, Enum
{
    // Reasons in value order, their indices into _counts, and their JSON names, computed once per enum.
    private static readonly TReason[] Reasons = Enum.GetValues<TReason>().Distinct().OrderBy(IndexOfChecked).ToArray();
    private static readonly int[] ReasonIndices = Reasons.Select(IndexOfChecked).ToArray();
    private static readonly string[] JsonNames = Reasons.Select(reason => TelemetryJson.ToSnakeCase(reason.ToString())).ToArray();
    private static readonly int Slots = ReasonIndices.Length == 0 ? 0 : ReasonIndices[^1] + 1;

    private readonly long[] _counts = new long[Slots];

    /// <summary>Adds one drop for <paramref name="reason"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Count(TReason reason) => _counts[IndexOf(reason)]++;

    /// <summary>Adds <paramref name="count"/> drops for <paramref name="reason"/> (a whole burst).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(TReason reason, long count) => _counts[IndexOf(reason)] += count;

    public long this[TReason reason] => Volatile.Read(ref _counts[IndexOf(reason)]);

    /// <summary>Drops for every reason.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _counts.Length; i++) total += Volatile.Read(ref _counts[i]);
            return total;
        }
    }

    /// <summary>The reasons the enum defines.</summary>
    public int ReasonCount => Reasons.Length;

    public TReason ReasonAt(int i) => Reasons[i];

    public long CountAt(int i) => Volatile.Read(ref _counts[ReasonIndices[i]]);

    /// <summary>The reason's name in JSON: "BadChecksum" is "bad_checksum".</summary>
    public string JsonNameAt(int i) => JsonNames[i];

    /// <summary>Adds another set of counters to this one (totals over workers).</summary>
    public void Add(DropCounters<TReason> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < _counts.Length; i++) _counts[i] += Volatile.Read(ref other._counts[i]);
    }

    /// <summary>A copy of the counters as of now.</summary>
    public DropCounters<TReason> Snapshot()
    {
        var copy = new DropCounters<TReason>();
        copy.Add(this);
        return copy;
    }

    public void Reset() => Array.Clear(_counts);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IndexOf(TReason reason)
    {
        // The JIT folds the size test away per enum type.
        if (Unsafe.SizeOf<TReason>() == 1) return Unsafe.As<TReason, byte>(ref reason);
        if (Unsafe.SizeOf<TReason>() == 2) return Unsafe.As<TReason, ushort>(ref reason);
        if (Unsafe.SizeOf<TReason>() == 4) return Unsafe.As<TReason, int>(ref reason);
        return (int)Unsafe.As<TReason, long>(ref reason);
    }

    private static int IndexOfChecked(TReason reason)
    {
        long value = Convert.ToInt64(reason, System.Globalization.CultureInfo.InvariantCulture);
        if (value is < 0 or > 4095)
            throw new NotSupportedException($"{typeof(TReason).Name}.{reason} = {value}: drop reasons must have values in 0..4095 (they index an array)");
        return (int)value;
    }
}
