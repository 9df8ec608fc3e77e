using System.Text.Json;
using FastPath.Engine.Stack;

namespace FastPath.Engine.Tests.Stack;

public class StackCountersTests
{
    [Fact]
    public void The_json_has_every_counter_and_every_drop_reason_by_name()
    {
        using var h = new StackHarness();
        h.Inject(StackFrames.ArpRequestForStack());
        h.Inject(StackFrames.EchoRequest(1, 1, [1, 2, 3]));
        byte[] bad = StackFrames.EchoRequest(1, 2, [1, 2, 3]);
        bad[14 + 10] ^= 1;
        h.Inject(bad);

        using JsonDocument json = JsonDocument.Parse(h.Stack.GetCounters().ToJson());
        JsonElement root = json.RootElement;
        Assert.Equal(3, root.GetProperty("rx_packets").GetInt64());
        Assert.Equal(1, root.GetProperty("echo_replies").GetInt64());
        Assert.Equal(1, root.GetProperty("arp_replies").GetInt64());
        Assert.Equal(1, root.GetProperty("drops_total").GetInt64());
        JsonElement drops = root.GetProperty("drops");
        Assert.Equal(1, drops.GetProperty("bad_checksum").GetInt64());
        Assert.Equal(Enum.GetValues<StackDropReason>().Length, drops.EnumerateObject().Count());
        foreach (StackDropReason reason in Enum.GetValues<StackDropReason>())
            Assert.True(drops.TryGetProperty(StackCountersSnapshot.NameOf(reason), out _), reason.ToString());
    }

    [Fact]
    public void Snapshots_of_several_workers_add_up()
    {
        using var a = new StackHarness();
        using var b = new StackHarness();
        a.Inject(StackFrames.EchoRequest(1, 1, [1]));
        b.Inject(StackFrames.EchoRequest(1, 1, [1]), StackFrames.EchoRequest(1, 2, [1]));
        byte[] bad = StackFrames.EchoRequest(1, 2, [1]);
        bad[14 + 10] ^= 1;
        b.Inject(bad);
        var sum = StackCountersSnapshot.Sum([a.Stack.GetCounters(), b.Stack.GetCounters()]);
        Assert.Equal(3, sum.EchoReplies);
        Assert.Equal(4, sum.RxPackets);
        Assert.Equal(2, sum.ArpGratuitousSent);
        Assert.Equal(1, sum.Dropped(StackDropReason.BadChecksum));
    }
}
