using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;
using FastPath.Wire.Tcp;

namespace FastPath.Engine.Tests.Tcp;

/// <summary>The core's own checks: challenge ACKs, giving up, pooling, listener teardown, TIME_WAIT reuse.</summary>
public class TcpCoreLifecycleTests
{
    [Fact]
    public void A_rst_inside_the_window_but_not_at_rcv_nxt_gets_a_challenge_ack_and_the_connection_stays()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        p.Send(TcpFlags.Rst, seq: p.Next + 100);
        Segment challenge = p.ExpectSingle();
        Assert.Equal(TcpFlags.Ack, challenge.Flags);
        Assert.Equal(p.Next, challenge.Acknowledgment);
        Assert.Equal(TcpState.Established, connection.State);
        Assert.Equal(1, h.Stack.Tcp.GetCounters().ChallengeAcks);

        // At RCV.NXT exactly the RST is obeyed (RFC 5961 3.2).
        p.Send(TcpFlags.Rst);
        Assert.Equal(TcpState.Closed, connection.State);
        Assert.Equal(TcpError.Reset, connection.Error);
    }

    [Fact]
    public void A_syn_on_an_established_connection_gets_a_challenge_ack_not_a_reset()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        p.Send(TcpFlags.Syn, seq: p.Next + 5);
        Segment challenge = p.ExpectSingle();
        Assert.Equal(TcpFlags.Ack, challenge.Flags);
        Assert.Equal(TcpState.Established, connection.State);
    }

    [Fact]
    public void Challenge_acks_are_rate_limited()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        p.OpenPassive();
        for (int i = 0; i < 1100; i++) p.Send(TcpFlags.Rst, seq: p.Next + 10);
        Assert.Equal(1000, h.Stack.Tcp.GetCounters().ChallengeAcks);
    }

    [Fact]
    public void An_unanswered_syn_times_out_after_the_syn_retries_with_backoff()
    {
        using var h = TcpHarness.RawPeer(new TcpOptions { MaxSynRetransmissions = 3 });
        var p = new RawTcpPeer(h);
        p.ConnectToSynSent();
        TcpConnection connection = p.Connection!;
        var closed = new List<TcpError>();
        connection.Closed = c => closed.Add(c.Error);
        var gaps = new List<long>();
        long last = h.Clock.NowNanoseconds;
        for (int ms = 0; ms < 30_000 && connection.State == TcpState.SynSent; ms += 10)
        {
            h.Advance(TimeSpan.FromMilliseconds(10));
            foreach (Segment segment in p.Received())
            {
                Assert.True(segment.Has(TcpFlags.Syn));
                gaps.Add((h.Clock.NowNanoseconds - last) / 1_000_000);
                last = h.Clock.NowNanoseconds;
            }
        }
        // RFC 6298 5.5: 1 s, 2 s, 4 s, then the fourth expiry gives up.
        Assert.Equal(3, gaps.Count);
        Assert.InRange(gaps[0], 1000, 1020);
        Assert.InRange(gaps[1], 2000, 2020);
        Assert.InRange(gaps[2], 4000, 4020);
        Assert.Equal([TcpError.TimedOut], closed);
        Assert.Equal(0, h.Stack.Tcp.ConnectionCount);
        Assert.Equal(1, h.Stack.Tcp.GetCounters().AttemptFails);
    }

    [Fact]
    public void Closed_connection_objects_are_reused_from_the_pool()
    {
        using var h = TcpHarness.Pair();
        TcpListener listener = h.B.Tcp.Listen(7);
        listener.Accepted = c => c.Closed = s => s.Close();
        var seen = new HashSet<TcpConnection>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < 20; i++)
        {
            TcpConnection client = h.A!.Tcp.Connect(TcpHarness.IpB, 7);
            h.Run();
            Assert.Equal(TcpState.Established, client.State);
            seen.Add(client);
            client.Abort();
            h.Run();
        }
        Assert.True(seen.Count < 20, $"{seen.Count} distinct objects for 20 connections");
        Assert.Equal((0, 0), (h.A!.Tcp.ConnectionCount, h.B.Tcp.ConnectionCount));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Disposing_a_listener_resets_connections_not_yet_accepted()
    {
        using var h = TcpHarness.Pair();
        TcpListener listener = h.B.Tcp.Listen(7);
        TcpConnection client = h.A!.Tcp.Connect(TcpHarness.IpB, 7);
        h.Run();
        Assert.Equal(1, listener.PendingAccepts);
        listener.Dispose();
        h.Run();
        Assert.Equal((TcpState.Closed, TcpError.Reset), (client.State, client.Error));
        Assert.Equal((0, 0), (h.A.Tcp.ConnectionCount, h.B.Tcp.ConnectionCount));
    }

    [Fact]
    public void A_new_syn_above_the_old_stream_takes_over_a_time_wait_entry()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        // The stack closes first, so its end waits in TIME_WAIT.
        connection.Close();
        p.ExpectSingle();
        p.SendAck();
        p.Send(TcpFlags.Fin | TcpFlags.Ack);
        p.ExpectSingle();
        Assert.Equal(TcpState.TimeWait, connection.State);
        Assert.Equal(1, h.Stack.Tcp.ConnectionCount);

        var again = new RawTcpPeer(h, peerIsn: p.Next + 100_000);
        again.ShareListener(p.Listener!);
        Segment synAck = again.OpenToSynReceived();
        Assert.True(synAck.Has(TcpFlags.Syn | TcpFlags.Ack), synAck.ToString());
        Assert.Equal(1, h.Stack.Tcp.ConnectionCount);
    }

    [Fact]
    public void Send_after_shutdown_throws_and_receive_goes_on()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        connection.Shutdown();
        Segment fin = p.ExpectSingle();
        Assert.True(fin.Has(TcpFlags.Fin));
        Assert.Equal(TcpState.FinWait1, connection.State);
        Assert.Throws<InvalidOperationException>(() => connection.Send([1]));
        p.Send(TcpFlags.Ack | TcpFlags.Psh, [1, 2, 3]);
        Assert.Equal(TcpState.FinWait2, connection.State);
        Assert.Equal(3, connection.Available);
        Assert.Equal(0, h.Stack.GetCounters().Dropped(StackDropReason.TcpInvalidSegment));
    }

    [Fact]
    public void The_last_bytes_and_the_fin_that_end_fin_wait_2_reach_the_application_before_closed()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        var events = new List<string>();
        connection.DataReceived = c =>
        {
            var buffer = new byte[16];
            events.Add($"data {c.Receive(buffer)} eof {c.IsReceiveFinished}");
        };
        connection.Closed = c => events.Add($"closed {c.State}");
        connection.Shutdown();
        Assert.True(p.ExpectSingle().Has(TcpFlags.Fin));
        p.SendAck();
        Assert.Equal(TcpState.FinWait2, connection.State);

        p.Send(TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, [1, 2, 3]);

        Assert.Equal(["data 3 eof True", "closed TimeWait"], events);
    }

    [Fact]
    public void A_duplicate_syn_in_syn_received_gets_the_syn_ack_again()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        Segment first = p.OpenToSynReceived();
        p.Send(TcpFlags.Syn, seq: p.PeerIsn, options: p.SynOptions);
        Segment again = p.ExpectSingle();
        Assert.True(again.Has(TcpFlags.Syn | TcpFlags.Ack), again.ToString());
        Assert.Equal((first.Sequence, first.Acknowledgment), (again.Sequence, again.Acknowledgment));
    }

    [Fact]
    public void A_closed_connection_in_fin_wait_2_is_dropped_after_two_msl_if_the_peer_never_closes()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        connection.Close();
        Assert.True(p.ExpectSingle().Has(TcpFlags.Fin));
        p.SendAck();
        Assert.Equal(1, h.Stack.Tcp.ConnectionCount);
        h.Advance(TimeSpan.FromSeconds(59), TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, h.Stack.Tcp.ConnectionCount);
        h.Advance(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, h.Stack.Tcp.ConnectionCount);
    }

    [Fact]
    public void A_lost_tail_is_probed_after_two_rtts_before_the_rto()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        connection.NoDelay = true;
        connection.Send(new byte[100]);
        Segment first = p.ExpectSingle();
        h.Advance(TimeSpan.FromMilliseconds(15), TimeSpan.FromMilliseconds(1));
        Segment probe = p.ExpectSingle();
        Assert.Equal((first.Sequence, 100), (probe.Sequence, probe.Payload.Length));
        Assert.Equal((0L, 1L), (connection.GetStatistics().Timeouts, connection.GetStatistics().Retransmissions));
        // One probe per flight: the next retransmission is the RTO's.
        h.Advance(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1));
        p.ExpectNothing();
    }
}
