using FastPath.Apps.Sink;

namespace FastPath.Apps.Tests.Sink;

/// <summary>The bounded loss/reorder/duplicate detector against a plain set-based count of the same arrivals.</summary>
public sealed class SequenceWindowTests
{
    [Fact]
    public void In_order_frames_are_neither_lost_nor_reordered()
    {
        var window = Feed(0, 1, 2, 3, 4);
        Assert.Equal((5L, 0L, 0L, 0L), (window.Received, window.Lost, window.Reordered, window.Duplicates));
    }

    [Fact]
    public void Gaps_are_lost_until_the_frame_arrives_late_then_it_is_reordered()
    {
        var window = Feed(0, 1, 4, 5);
        Assert.Equal(2, window.Lost);
        window.Record(2);
        Assert.Equal((1L, 1L, 0L), (window.Lost, window.Reordered, window.Duplicates));
    }

    [Fact]
    public void A_frame_seen_twice_is_a_duplicate_in_order_or_late()
    {
        var window = Feed(0, 1, 1, 2, 0, 2, 3);
        Assert.Equal((7L, 0L, 0L, 3L), (window.Received, window.Lost, window.Reordered, window.Duplicates));
    }

    [Fact]
    public void Frames_before_the_first_one_seen_count_as_lost()
    {
        var window = Feed(10, 11);
        Assert.Equal(10, window.Lost);
    }

    [Fact]
    public void A_frame_older_than_the_window_is_late_not_a_duplicate()
    {
        var window = new SequenceWindow();
        for (uint n = 0; n < SequenceWindow.WindowSize + 10; n++)
        {
            if (n != 3) window.Record(n);
        }
        window.Record(3);
        Assert.Equal((0L, 1L, 0L), (window.Lost, window.Reordered, window.Duplicates));
    }

    [Fact]
    public void Sequence_numbers_continue_across_the_32_bit_wrap()
    {
        var window = new SequenceWindow();
        for (uint n = uint.MaxValue - 100; n != 100; n++)
        {
            if (n != 5) window.Record(n);
        }
        Assert.Equal(uint.MaxValue + 100L, window.Highest);
        // Numbers 0 .. 2^32 - 102 were never sent, and number 5 (after the wrap) went missing.
        Assert.Equal(uint.MaxValue - 100L + 1, window.Lost);
        Assert.Equal(0, window.Duplicates);
        Assert.Equal(0, window.Reordered);
    }

    [Fact]
    public void Matches_a_set_based_count_on_random_arrivals()
    {
        var random = new Random(5);
        for (int round = 0; round < 50; round++)
        {
            var arrivals = new List<uint>();
            for (uint n = 0; n < 5000; n++)
            {
                double draw = random.NextDouble();
                if (draw < 0.05) continue;                                        // lost
                if (draw < 0.10) arrivals.Insert(Math.Max(0, arrivals.Count - random.Next(1, 40)), n); // late
                else arrivals.Add(n);
                if (random.NextDouble() < 0.03) arrivals.Add(n);                  // duplicated
            }
            var window = new SequenceWindow();
            foreach (uint n in arrivals) window.Record(n);
            (long lost, long reordered, long duplicates) = Oracle(arrivals);
            Assert.Equal((lost, reordered, duplicates), (window.Lost, window.Reordered, window.Duplicates));
            Assert.Equal(arrivals.Count, window.Received);
        }
    }

    /// <summary>The definitions with unbounded memory: lost below the highest seen, reordered when below the highest seen at arrival, duplicates when seen before.</summary>
    internal static (long Lost, long Reordered, long Duplicates) Oracle(IEnumerable<uint> arrivals)
    {
        var seen = new HashSet<uint>();
        long highest = -1, reordered = 0, duplicates = 0;
        foreach (uint n in arrivals)
        {
            if (!seen.Add(n))
            {
                duplicates++;
                continue;
            }
            if (n < highest) reordered++;
            highest = Math.Max(highest, n);
        }
        return (highest + 1 - seen.Count, reordered, duplicates);
    }

    private static SequenceWindow Feed(params uint[] numbers)
    {
        var window = new SequenceWindow();
        foreach (uint n in numbers) window.Record(n);
        return window;
    }
}
