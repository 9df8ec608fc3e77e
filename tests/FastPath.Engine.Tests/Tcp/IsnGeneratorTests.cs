using FastPath.Engine.Tcp;

namespace FastPath.Engine.Tests.Tcp;

public class IsnGeneratorTests
{
    private const uint Local = 0x0A000001, Remote = 0x0A000002;

    [Fact]
    public void One_tuple_advances_with_the_four_microsecond_clock_across_two_to_the_32()
    {
        var isn = new IsnGenerator(1, 2);
        uint first = isn.Next(Local, 80, Remote, 40000, 0);
        Assert.Equal(first, isn.Next(Local, 80, Remote, 40000, 3999));       // same 4 µs tick
        Assert.Equal(first + 1, isn.Next(Local, 80, Remote, 40000, 4000));
        Assert.Equal(first + 250_000, isn.Next(Local, 80, Remote, 40000, 1_000_000_000)); // 250 000 per second
        // M wraps every 2^32 * 4 µs (about 4.8 hours); the sum wraps with it.
        long wrap = (1L << 32) * 4000;
        Assert.Equal(first, isn.Next(Local, 80, Remote, 40000, wrap));
        Assert.Equal(first + 7, isn.Next(Local, 80, Remote, 40000, wrap + 7 * 4000));
    }

    [Fact]
    public void Each_field_of_the_tuple_and_the_secret_change_the_offset()
    {
        var isn = new IsnGenerator(1, 2);
        const long now = 123_456_789_000;
        uint baseline = isn.Next(Local, 80, Remote, 40000, now);
        uint[] others =
        [
            isn.Next(Local + 1, 80, Remote, 40000, now),
            isn.Next(Local, 81, Remote, 40000, now),
            isn.Next(Local, 80, Remote + 1, 40000, now),
            isn.Next(Local, 80, Remote, 40001, now),
            isn.Next(Remote, 40000, Local, 80, now), // the reverse direction is another tuple
            new IsnGenerator(1, 3).Next(Local, 80, Remote, 40000, now),
            new IsnGenerator().Next(Local, 80, Remote, 40000, now),
        ];
        Assert.DoesNotContain(baseline, others);
        Assert.Equal(others.Length, others.Distinct().Count());
    }

    [Fact]
    public void Successive_ports_get_unrelated_numbers()
    {
        var isn = new IsnGenerator();
        // Differences between neighbouring ports' ISNs look random: they spread over the whole space.
        var high = Enumerable.Range(0, 256).Select(port => isn.Next(Local, (ushort)(50000 + port), Remote, 80, 0) >> 28).Distinct().Count();
        Assert.Equal(16, high);
    }
}
