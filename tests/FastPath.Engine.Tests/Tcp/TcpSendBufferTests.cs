using FastPath.Engine.Tcp;
using FsCheck;
using FsCheck.Fluent;

namespace FastPath.Engine.Tests.Tcp;

public class TcpSendBufferTests
{
    private static byte[] Bytes(int start, int length) => Enumerable.Range(start, length).Select(i => (byte)i).ToArray();

    [Fact]
    public void Capacity_must_be_a_power_of_two()
    {
        Assert.Throws<ArgumentException>(() => new TcpSendBuffer(1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TcpSendBuffer(0));
        Assert.Equal(1024, new TcpSendBuffer(1024).Capacity);
    }

    [Fact]
    public void Takes_what_fits_and_reports_back_pressure()
    {
        var buffer = new TcpSendBuffer(16);
        Assert.Equal(10, buffer.Write(Bytes(0, 10)));
        Assert.Equal(6, buffer.Write(Bytes(10, 10)));
        Assert.Equal(0, buffer.Write(Bytes(20, 1)));
        Assert.Equal(16, buffer.Count);
        Assert.Equal(0, buffer.Free);
        var all = new byte[32];
        Assert.Equal(16, buffer.CopyOut(0, all));
        Assert.Equal(Bytes(0, 16), all[..16]);
    }

    [Fact]
    public void Copies_from_any_offset_after_snd_una_across_the_ring_wrap()
    {
        var buffer = new TcpSendBuffer(16);
        buffer.Write(Bytes(0, 12));
        buffer.Consume(10);                         // head at 10
        Assert.Equal(14, buffer.Write(Bytes(12, 14))); // wraps: bytes 12..25 at indices 12..15, 0..9
        Assert.Equal(16, buffer.Count);
        var out1 = new byte[7];
        Assert.Equal(7, buffer.CopyOut(3, out1));   // spans index 15 -> 0
        Assert.Equal(Bytes(13, 7), out1);
        var tail = new byte[10];
        Assert.Equal(4, buffer.CopyOut(12, tail));
        Assert.Equal(Bytes(22, 4), tail[..4]);
        Assert.Equal(0, buffer.CopyOut(16, tail));
        buffer.Consume(16);
        Assert.Equal(0, buffer.Count);
        Assert.Equal(16, buffer.Free);
    }

    [Fact]
    public void Consume_more_than_buffered_is_a_bug()
    {
        var buffer = new TcpSendBuffer(8);
        buffer.Write(Bytes(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Consume(4));
        buffer.Clear();
        Assert.Equal(0, buffer.Count);
        Assert.Equal(8, buffer.Write(Bytes(0, 8)));
    }

    /// <summary>Random writes, partial reads at random offsets and acknowledgements against a plain byte list.</summary>
    [Fact]
    public void Behaves_like_a_byte_queue() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll<int>(seed =>
        {
            var random = new Random(seed);
            var buffer = new TcpSendBuffer(64);
            var model = new List<byte>();
            int next = 0;
            for (int step = 0; step < 500; step++)
            {
                switch (random.Next(3))
                {
                    case 0:
                        byte[] data = Bytes(next, random.Next(0, 40));
                        int taken = buffer.Write(data);
                        Assert.Equal(Math.Min(data.Length, 64 - model.Count), taken);
                        model.AddRange(data[..taken]);
                        next += taken;
                        break;
                    case 1:
                        int offset = random.Next(0, 70);
                        var destination = new byte[random.Next(0, 40)];
                        int copied = buffer.CopyOut(offset, destination);
                        int expected = Math.Max(0, Math.Min(destination.Length, model.Count - offset));
                        Assert.Equal(expected, copied);
                        Assert.Equal(model.Skip(offset).Take(expected), destination[..copied]);
                        break;
                    default:
                        int acked = random.Next(0, model.Count + 1);
                        buffer.Consume(acked);
                        model.RemoveRange(0, acked);
                        break;
                }
                Assert.Equal(model.Count, buffer.Count);
                Assert.Equal(64 - model.Count, buffer.Free);
            }
        }));

    [Fact]
    public void Writes_copies_and_acknowledgements_allocate_nothing()
    {
        var buffer = new TcpSendBuffer(64 * 1024);
        byte[] chunk = Bytes(0, 1000);
        var segment = new byte[1448];
        void Work()
        {
            for (int i = 0; i < 10_000; i++)
            {
                buffer.Write(chunk);
                buffer.CopyOut(buffer.Count / 2, segment);
                buffer.Consume(Math.Min(buffer.Count, 900));
            }
        }
        Work();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Work();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
