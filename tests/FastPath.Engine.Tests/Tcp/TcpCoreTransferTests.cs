using FastPath.Engine.Ports;
using FastPath.Engine.Tcp;

namespace FastPath.Engine.Tests.Tcp;

/// <summary>The core's own transfer checks: one direction, a few megabytes, each kind of damage on its own.</summary>
public class TcpCoreTransferTests
{
    private static (TcpConnectionStatistics Sender, long Received, bool Intact, double Seconds) Transfer(FaultOptions? faults, int bytes, TcpOptions? options = null)
    {
        using var h = TcpHarness.Pair(tcpA: options, tcpB: options, faultsA: faults, faultsB: faults is null ? null : new FaultOptions
        {
            Seed = faults.Seed + 1, LossRate = faults.LossRate, ReorderRate = faults.ReorderRate, DuplicateRate = faults.DuplicateRate,
        });
        TcpListener listener = h.B.Tcp.Listen(9);
        var data = new byte[bytes];
        new Random(5).NextBytes(data);
        var received = new MemoryStream();
        var buffer = new byte[65536];
        listener.Accepted = c => c.DataReceived = conn =>
        {
            int n;
            while ((n = conn.Receive(buffer)) > 0) received.Write(buffer, 0, n);
        };
        TcpConnection client = h.A!.Tcp.Connect(TcpHarness.IpB, 9);
        int sent = 0;
        long start = h.Clock.NowNanoseconds;
        for (int round = 0; round < 2_000_000 && received.Length < bytes; round++)
        {
            if (client.State == TcpState.Established && sent < bytes) sent += client.Send(data.AsSpan(sent));
            bool busy = h.Step();
            h.Clock.AdvanceNanoseconds(busy ? 5_000 : 1_000_000);
        }
        double seconds = (h.Clock.NowNanoseconds - start) / 1e9;
        return (client.GetStatistics(), received.Length, received.ToArray().AsSpan().SequenceEqual(data), seconds);
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0)]
    [InlineData(0.0, 0.01, 0.0)]
    [InlineData(0.0, 0.0, 0.01)]
    [InlineData(0.01, 0.0, 0.0)]
    [InlineData(0.05, 0.01, 0.01)]
    public void Four_megabytes_arrive_intact(double loss, double reorder, double duplicate)
    {
        var faults = loss + reorder + duplicate == 0 ? null : new FaultOptions { Seed = 77, LossRate = loss, ReorderRate = reorder, DuplicateRate = duplicate };
        var (sender, received, intact, seconds) = Transfer(faults, 4 << 20);
        TestContext.Current.TestOutputHelper?.WriteLine($"{seconds:F3} s simulated: {sender}");
        Assert.Equal(4 << 20, received);
        Assert.True(intact);
        if (faults is null) Assert.Equal(0, sender.Retransmissions);
    }

    [Theory]
    [InlineData(TcpCongestionControl.NewReno, false, false)]
    [InlineData(TcpCongestionControl.Cubic, false, true)]
    [InlineData(TcpCongestionControl.NewReno, true, false)]
    public void Without_sack_or_timestamps_newreno_recovery_still_delivers_everything(TcpCongestionControl algorithm, bool sack, bool timestamps)
    {
        var options = new TcpOptions { CongestionControl = algorithm, SelectiveAcknowledgements = sack, Timestamps = timestamps };
        var faults = new FaultOptions { Seed = 91, LossRate = 0.02, ReorderRate = 0.01 };
        var (sender, received, intact, seconds) = Transfer(faults, 4 << 20, options);
        TestContext.Current.TestOutputHelper?.WriteLine($"{seconds:F3} s simulated: {sender}");
        Assert.Equal(4 << 20, received);
        Assert.True(intact);
        Assert.True(sender.FastRetransmits > 0, sender.ToString());
    }
}
