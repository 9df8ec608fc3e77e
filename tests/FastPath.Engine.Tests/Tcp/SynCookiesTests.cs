using FastPath.Engine.Tcp;
using FsCheck;
using FsCheck.Fluent;

namespace FastPath.Engine.Tests.Tcp;

public class SynCookiesTests
{
    private const uint Local = 0xC0A80001, Remote = 0xC0A80002;
    private const ushort LocalPort = 80, RemotePort = 51234;
    private const uint PeerIsn = 0xDEADBEEF;
    private const long Second = 1_000_000_000;
    private const long Period = SynCookies.PeriodNanoseconds;

    private static readonly SynCookies Cookies = new(0x1122334455667788UL, 0x99AABBCCDDEEFF00UL);

    private static bool Validate(uint cookie, long now, out int mss, uint local = Local, ushort localPort = LocalPort,
        uint remote = Remote, ushort remotePort = RemotePort, uint peerIsn = PeerIsn) =>
        Cookies.TryValidate(local, localPort, remote, remotePort, peerIsn, cookie, now, out mss);

    [Fact]
    public void A_cookie_round_trips_with_its_mss()
    {
        long now = 1000 * Second;
        uint cookie = Cookies.Create(Local, LocalPort, Remote, RemotePort, PeerIsn, 1460, now);
        Assert.True(Validate(cookie, now, out int mss));
        Assert.Equal(1460, mss);
        Assert.Equal((uint)(now / Period) & 31, cookie >> 27); // the counter is in the top five bits
    }

    [Fact]
    public void A_cookie_for_another_tuple_or_peer_isn_is_rejected()
    {
        long now = 1000 * Second;
        uint cookie = Cookies.Create(Local, LocalPort, Remote, RemotePort, PeerIsn, 1460, now);
        Assert.False(Validate(cookie, now, out _, local: Local + 1));
        Assert.False(Validate(cookie, now, out _, localPort: 81));
        Assert.False(Validate(cookie, now, out _, remote: Remote + 1));
        Assert.False(Validate(cookie, now, out _, remotePort: RemotePort + 1));
        Assert.False(Validate(cookie, now, out _, peerIsn: PeerIsn + 1));
        Assert.False(new SynCookies().TryValidate(Local, LocalPort, Remote, RemotePort, PeerIsn, cookie, now, out _)); // another secret
    }

    [Fact]
    public void Tampered_cookies_are_rejected()
    {
        long now = 1000 * Second;
        uint cookie = Cookies.Create(Local, LocalPort, Remote, RemotePort, PeerIsn, 1460, now);
        for (int bit = 0; bit < 32; bit++) Assert.False(Validate(cookie ^ (1u << bit), now, out _), $"bit {bit}");
    }

    [Fact]
    public void Cookies_of_the_current_and_previous_counter_are_accepted_and_older_ones_not()
    {
        long created = 100 * Period + 63 * Second; // late in period 100
        uint cookie = Cookies.Create(Local, LocalPort, Remote, RemotePort, PeerIsn, 536, created);
        Assert.True(Validate(cookie, created, out _));
        Assert.True(Validate(cookie, 101 * Period, out _));                // next period: still the previous counter
        Assert.True(Validate(cookie, 102 * Period - 1, out _));
        Assert.False(Validate(cookie, 102 * Period, out _));               // two periods on: too old
        Assert.False(Validate(cookie, 100 * Period + 32 * Period, out _)); // same five counter bits, 32 periods later
        Assert.False(Validate(cookie, 99 * Period, out _));                // from the future
    }

    [Theory]
    [InlineData(100, 536)]   // below the table: the smallest
    [InlineData(536, 536)]
    [InlineData(1299, 1200)]
    [InlineData(1300, 1300)]
    [InlineData(1452, 1452)]
    [InlineData(1459, 1452)]
    [InlineData(1460, 1460)]
    [InlineData(8000, 1460)]
    [InlineData(8960, 8960)]
    [InlineData(65495, 8960)]
    public void The_mss_is_the_largest_table_entry_not_above_the_peers(int offered, int expected)
    {
        long now = 5 * Period;
        uint cookie = Cookies.Create(Local, LocalPort, Remote, RemotePort, PeerIsn, offered, now);
        Assert.True(Validate(cookie, now, out int mss));
        Assert.Equal(expected, mss);
        Assert.Equal((uint)SynCookies.MssTable.IndexOf((ushort)expected), cookie >> 24 & 7);
    }

    [Fact]
    public void Any_tuple_and_time_round_trips_and_a_different_peer_isn_does_not() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll<uint, uint, uint>((remote, isn, seconds) =>
        {
            long now = seconds * Second;
            int mssOffered = (int)(seconds % 10_000);
            uint cookie = Cookies.Create(Local, LocalPort, remote, 443, isn, mssOffered, now);
            Assert.True(Cookies.TryValidate(Local, LocalPort, remote, 443, isn, cookie, now + 30 * Second, out int mss));
            Assert.True(mss <= Math.Max(mssOffered, 536));
            Assert.False(Cookies.TryValidate(Local, LocalPort, remote, 443, isn ^ 0x100, cookie, now, out _));
        }));

    [Theory]
    [InlineData((byte)7, true)]
    [InlineData((byte)0, false)]
    [InlineData((byte)14, true)]
    [InlineData(null, true)]
    [InlineData(null, false)]
    public void Window_scale_and_sack_ride_in_the_timestamp(byte? windowScale, bool sack)
    {
        const uint tsval = 0x1234_5678;
        uint encoded = Cookies.EncodeTimestampOptions(tsval, windowScale, sack);
        Assert.True(TcpSequence.LessOrEqual(encoded, tsval));       // never ahead of our clock
        Assert.True(tsval - encoded < 64);
        Assert.True(Cookies.TryDecodeTimestampOptions(encoded, out byte? decodedScale, out bool decodedSack));
        Assert.Equal(windowScale, decodedScale);
        Assert.Equal(sack, decodedSack);
    }

    [Fact]
    public void Timestamp_options_edge_cases()
    {
        Assert.True(Cookies.TryDecodeTimestampOptions(Cookies.EncodeTimestampOptions(1000, 15, false), out byte? scale, out _));
        Assert.Equal((byte)14, scale); // clamped (RFC 7323 section 2.3), not mistaken for "none"
        uint wrapped = Cookies.EncodeTimestampOptions(5, 3, true); // near zero: the subtraction wraps
        Assert.True(TcpSequence.LessOrEqual(wrapped, 5));
        Assert.True(Cookies.TryDecodeTimestampOptions(wrapped, out scale, out bool sack));
        Assert.Equal((byte)3, scale);
        Assert.True(sack);
        Assert.False(Cookies.TryDecodeTimestampOptions(0x1234_5600, out _, out _)); // no valid bit: not ours
    }

    [Fact]
    public void Cookies_and_isns_allocate_nothing()
    {
        var isn = new IsnGenerator();
        void Work()
        {
            for (uint i = 0; i < 10_000; i++)
            {
                uint cookie = Cookies.Create(Local, LocalPort, Remote + i, RemotePort, i, 1460, i * Second);
                Cookies.TryValidate(Local, LocalPort, Remote + i, RemotePort, i, cookie, i * Second, out _);
                isn.Next(Local, LocalPort, Remote + i, RemotePort, i);
            }
        }
        Work();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Work();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
