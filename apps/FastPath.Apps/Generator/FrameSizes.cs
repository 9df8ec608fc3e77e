namespace FastPath.Apps.Generator;

/// <summary>
/// The sizes of a stream's frames, without the 4-byte FCS: one size, a range whose sizes are used in turn (or
/// at random), or the simple IMIX of 7:4:1 frames of 64, 594 and 1518 bytes on the wire (60, 590 and 1514
/// here), whose mean is 357.8 bytes (361.8 with the FCS, 385.8 with preamble and gap too).
/// </summary>
public readonly record struct FrameSizes
{
    /// <summary>Ethernet's minimum frame without the FCS (64 on the wire).</summary>
    public const int MinimumFrameSize = 60;

    /// <summary>The IMIX pattern, 12 frames long, interleaved so that a run of it never bursts large frames.</summary>
    private static readonly int[] ImixPattern = [60, 590, 60, 60, 590, 60, 1514, 60, 590, 60, 60, 590];

    private FrameSizes(int smallest, int largest, bool imix)
    {
        Smallest = smallest;
        Largest = largest;
        IsImix = imix;
    }

    public static FrameSizes Fixed(int size) => new(size, size, false);

    /// <summary>Every size from <paramref name="smallest"/> to <paramref name="largest"/>, both included.</summary>
    public static FrameSizes Range(int smallest, int largest)
    {
        if (largest < smallest) throw new ArgumentOutOfRangeException(nameof(largest), largest, $"the range ends below its start, {smallest}");
        return new(smallest, largest, false);
    }

    public static FrameSizes Imix { get; } = new(60, 1514, true);

    public int Smallest { get; }
    public int Largest { get; }
    public bool IsImix { get; }
    public bool IsFixed => !IsImix && Smallest == Largest;

    /// <summary>The distinct sizes, each once; a frame picks one of them by index.</summary>
    public int[] Variants() => IsImix ? [60, 590, 1514] : Enumerable.Range(Smallest, Largest - Smallest + 1).ToArray();

    /// <summary>
    /// The order in which variants are used when frames go in turn: for IMIX the 12-frame pattern (7 small,
    /// 4 medium, 1 large), otherwise each variant once.
    /// </summary>
    internal int[] Sequence()
    {
        if (!IsImix) return Enumerable.Range(0, Largest - Smallest + 1).ToArray();
        int[] variants = Variants();
        return ImixPattern.Select(size => Array.IndexOf(variants, size)).ToArray();
    }

    /// <summary>The mean frame size over one turn of <see cref="Sequence"/> (what a bit rate converts to packets with).</summary>
    public double MeanSize => IsImix ? ImixPattern.Average() : (Smallest + Largest) / 2.0;

    public override string ToString() => IsImix ? "imix" : IsFixed ? $"{Smallest}" : $"{Smallest}-{Largest}";
}
