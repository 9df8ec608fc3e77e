using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;
using FastPath.Wire.Tcp;

namespace FastPath.Engine.Tests.Tcp;

/// <summary>
/// The RFC 9293 state diagram (section 3.3.2) and event processing (section 3.10.7), one row per
/// transition, against a raw peer that builds every segment by hand; then the options and timers of RFC
/// 7323, 6298, 1122 and 5961 one behaviour at a time.
/// </summary>
public class TcpStateMachineTests
{
    private static readonly TimeSpan DelayedAck = TimeSpan.FromMilliseconds(40);

    /// <summary>Where a row starts. Each is reached over the wire from CLOSED, checked on the way.</summary>
    internal enum Start
    {
        Closed,
        Listen,
        SynSent,
        SynReceivedPassive,
        SynReceivedSimultaneous,
        Established,
        FinWait1,
        FinWait2,
        CloseWait,
        Closing,
        LastAck,
        TimeWait,
    }

    /// <summary>
    /// What the stack must answer: exact flags, and the sequence and acknowledgment numbers computed from the
    /// peer's view after the event (null: any value, as for an ISN). <paramref name="MayBeDelayed"/>: an ACK
    /// of data or FIN that RFC 1122 4.2.3.2 lets wait for the delayed-ACK timer.
    /// </summary>
    internal sealed record Reply(TcpFlags Flags, Func<RawTcpPeer, uint>? Sequence, Func<RawTcpPeer, uint>? Acknowledgment, bool MayBeDelayed = false);

    /// <summary>
    /// One row: start, the event (a segment from the peer or a call on the connection), the reply and the
    /// state after it. <see cref="TcpState.Closed"/> and <see cref="TcpState.Listen"/> as the new state
    /// mean the stack holds no connection for the pair any more.
    /// </summary>
    internal sealed record Transition(Start From, Action<RawTcpPeer> Event, Reply? Reply, TcpState To, TcpError Error = TcpError.None);

    // Replies, from the peer's side: the stack's SND.NXT is StackNext, its RCV.NXT should be the peer's Next.
    private static readonly Reply Ack = new(TcpFlags.Ack, p => p.StackNext, p => p.Next);
    private static readonly Reply AckOfDataOrFin = Ack with { MayBeDelayed = true };
    private static readonly Reply ChallengeAck = Ack;
    private static readonly Reply FinAck = new(TcpFlags.Fin | TcpFlags.Ack, p => p.StackNext, p => p.Next);

    private const uint OutOfWindow = 0x4000_0000;

    private static readonly Dictionary<string, Transition> Table = BuildTable();

    public static TheoryData<string> Transitions => new(Table.Keys);

    private static Dictionary<string, Transition> BuildTable()
    {
        var rows = new Dictionary<string, Transition>
        {
            // Opening (RFC 9293 3.5, 3.10.1, 3.10.7.2, 3.10.7.3).
            ["CLOSED -> SYN_SENT: Connect sends a SYN"] = new(Start.Closed,
                p => p.Adopt(p.Harness.Stack.Tcp.Connect(TcpHarness.IpA, p.PeerPort, p.StackPort)),
                new Reply(TcpFlags.Syn, null, null), TcpState.SynSent),
            ["LISTEN -> SYN_RECEIVED: a SYN is answered with SYN-ACK"] = new(Start.Listen,
                p => p.SendSyn(),
                new Reply(TcpFlags.Syn | TcpFlags.Ack, null, p => p.PeerIsn + 1), TcpState.SynReceived),
            ["SYN_SENT -> ESTABLISHED: the SYN-ACK is acknowledged"] = new(Start.SynSent,
                p => p.SendSynAck(),
                new Reply(TcpFlags.Ack, p => p.StackIsn + 1, p => p.PeerIsn + 1), TcpState.Established),
            ["SYN_SENT -> SYN_RECEIVED: simultaneous open, a SYN is answered with SYN-ACK of the same ISN"] = new(Start.SynSent,
                p => p.SendSyn(),
                new Reply(TcpFlags.Syn | TcpFlags.Ack, p => p.StackIsn, p => p.PeerIsn + 1), TcpState.SynReceived),
            ["SYN_RECEIVED -> ESTABLISHED: the handshake ACK (passive open)"] = new(Start.SynReceivedPassive,
                p => p.SendAck(), null, TcpState.Established),
            ["SYN_RECEIVED -> ESTABLISHED: the ACK of our SYN (simultaneous open)"] = new(Start.SynReceivedSimultaneous,
                p => p.SendAck(), null, TcpState.Established),

            // Closing (RFC 9293 3.6, 3.10.4, 3.10.7.4 eighth step).
            ["ESTABLISHED -> FIN_WAIT_1: Shutdown sends a FIN"] = new(Start.Established,
                p => p.Connection!.Shutdown(), FinAck, TcpState.FinWait1),
            ["ESTABLISHED -> CLOSE_WAIT: the peer's FIN is acknowledged"] = new(Start.Established,
                p => p.Send(TcpFlags.Fin | TcpFlags.Ack), AckOfDataOrFin, TcpState.CloseWait),
            ["FIN_WAIT_1 -> FIN_WAIT_2: the ACK of our FIN"] = new(Start.FinWait1,
                p => p.SendAck(), null, TcpState.FinWait2),
            ["FIN_WAIT_1 -> CLOSING: simultaneous close, the peer's FIN without the ACK of ours"] = new(Start.FinWait1,
                p => p.Send(TcpFlags.Fin | TcpFlags.Ack, ack: p.StackNext - 1), Ack, TcpState.Closing),
            ["FIN_WAIT_1 -> TIME_WAIT: the peer's FIN and the ACK of ours together"] = new(Start.FinWait1,
                p => p.Send(TcpFlags.Fin | TcpFlags.Ack), Ack, TcpState.TimeWait),
            ["FIN_WAIT_2 -> TIME_WAIT: the peer's FIN"] = new(Start.FinWait2,
                p => p.Send(TcpFlags.Fin | TcpFlags.Ack), Ack, TcpState.TimeWait),
            ["CLOSING -> TIME_WAIT: the ACK of our FIN"] = new(Start.Closing,
                p => p.SendAck(), null, TcpState.TimeWait),
            ["CLOSE_WAIT -> LAST_ACK: Shutdown sends a FIN"] = new(Start.CloseWait,
                p => p.Connection!.Shutdown(), FinAck, TcpState.LastAck),
            ["LAST_ACK -> CLOSED: the ACK of our FIN"] = new(Start.LastAck,
                p => p.SendAck(), null, TcpState.Closed),
            // RFC 9293 3.10.7.4 second check: TIME_WAIT ends on a RST (Linux too, with tcp_rfc1337 off).
            ["TIME_WAIT: RST at RCV.NXT -> CLOSED"] = new(Start.TimeWait,
                p => p.Send(TcpFlags.Rst, seq: p.Next), null, TcpState.Closed),
            ["TIME_WAIT: a retransmitted FIN is acknowledged again"] = new(Start.TimeWait,
                p => p.Send(TcpFlags.Fin | TcpFlags.Ack, seq: p.Next - 1), Ack, TcpState.TimeWait),

            // SYN_SENT and its resets (RFC 9293 3.10.7.3 first and second checks).
            ["SYN_SENT: RST with an acceptable ACK -> CLOSED, refused"] = new(Start.SynSent,
                p => p.Send(TcpFlags.Rst | TcpFlags.Ack, seq: 0, ack: p.StackIsn + 1), null, TcpState.Closed, TcpError.Refused),
            ["SYN_SENT: RST with an unacceptable ACK is dropped"] = new(Start.SynSent,
                p => p.Send(TcpFlags.Rst | TcpFlags.Ack, seq: 0, ack: p.StackIsn + 1000), null, TcpState.SynSent),
            ["SYN_SENT: RST without ACK is dropped"] = new(Start.SynSent,
                p => p.Send(TcpFlags.Rst, seq: p.PeerIsn), null, TcpState.SynSent),
            ["SYN_SENT: an unacceptable ACK gets RST with seq = its ack"] = new(Start.SynSent,
                p => p.Send(TcpFlags.Ack, seq: p.PeerIsn, ack: p.StackIsn + 1000),
                new Reply(TcpFlags.Rst, p => p.StackIsn + 1000, null), TcpState.SynSent),

            ["SYN_RECEIVED: RST in the window -> back to LISTEN"] = new(Start.SynReceivedPassive,
                p => p.Send(TcpFlags.Rst, seq: p.PeerIsn + 1), null, TcpState.Listen),

            // LISTEN (RFC 9293 3.10.7.2).
            ["LISTEN: an ACK gets RST with seq = its ack"] = new(Start.Listen,
                p => p.Send(TcpFlags.Ack, seq: 5000, ack: 777_777), new Reply(TcpFlags.Rst, _ => 777_777, null), TcpState.Listen),
            ["LISTEN: a RST is ignored"] = new(Start.Listen,
                p => p.Send(TcpFlags.Rst, seq: 5000), null, TcpState.Listen),

            // A closed port (RFC 9293 3.10.7.1).
            ["CLOSED port: a SYN gets RST|ACK with ack = seq + 1"] = new(Start.Closed,
                p => p.SendSyn(), new Reply(TcpFlags.Rst | TcpFlags.Ack, _ => 0, p => p.PeerIsn + 1), TcpState.Closed),
            ["CLOSED port: an ACK gets RST with seq = its ack"] = new(Start.Closed,
                p => p.Send(TcpFlags.Ack, seq: 5000, ack: 123_456), new Reply(TcpFlags.Rst, _ => 123_456, null), TcpState.Closed),
            ["CLOSED port: data without ACK gets RST|ACK with ack = seq + length"] = new(Start.Closed,
                p => p.Send(TcpFlags.Psh, new byte[10], seq: 5000), new Reply(TcpFlags.Rst | TcpFlags.Ack, _ => 0, _ => 5010), TcpState.Closed),
            ["CLOSED port: a RST is not answered"] = new(Start.Closed,
                p => p.Send(TcpFlags.Rst, seq: 5000), null, TcpState.Closed),

            // RFC 9293 3.10.7.4 fifth step: an ACK of something not yet sent is answered with an ACK and dropped.
            ["ESTABLISHED: an ACK of unsent data -> ACK and drop"] = new(Start.Established,
                p => p.Send(TcpFlags.Ack, ack: p.StackNext + 1000), Ack, TcpState.Established),
        };

        // RFC 5961 sections 3 and 4 in every synchronized state that still has a connection block.
        foreach (Start state in (Start[])[Start.Established, Start.FinWait1, Start.FinWait2, Start.CloseWait, Start.Closing, Start.LastAck])
        {
            TcpState tcpState = StateOf(state);
            string name = Name(state);
            rows[$"{name}: RST at RCV.NXT -> CLOSED, reset"] = new(state,
                p => p.Send(TcpFlags.Rst, seq: p.Next), null, TcpState.Closed, TcpError.Reset);
            rows[$"{name}: RST in the window but not at RCV.NXT -> challenge ACK"] = new(state,
                p => p.Send(TcpFlags.Rst, seq: p.Next + 100), ChallengeAck, tcpState);
            rows[$"{name}: RST outside the window is dropped"] = new(state,
                p => p.Send(TcpFlags.Rst, seq: p.Next + OutOfWindow), null, tcpState);
            rows[$"{name}: SYN -> challenge ACK"] = new(state,
                p => p.Send(TcpFlags.Syn, seq: p.Next + 12_345), ChallengeAck, tcpState);
        }
        return rows;
    }

    private static TcpState StateOf(Start start) => start switch
    {
        Start.Closed => TcpState.Closed,
        Start.Listen => TcpState.Listen,
        Start.SynSent => TcpState.SynSent,
        Start.SynReceivedPassive or Start.SynReceivedSimultaneous => TcpState.SynReceived,
        Start.Established => TcpState.Established,
        Start.FinWait1 => TcpState.FinWait1,
        Start.FinWait2 => TcpState.FinWait2,
        Start.CloseWait => TcpState.CloseWait,
        Start.Closing => TcpState.Closing,
        Start.LastAck => TcpState.LastAck,
        _ => TcpState.TimeWait,
    };

    private static string Name(Start start) => StateOf(start) switch
    {
        TcpState.FinWait1 => "FIN_WAIT_1",
        TcpState.FinWait2 => "FIN_WAIT_2",
        TcpState.CloseWait => "CLOSE_WAIT",
        TcpState.LastAck => "LAST_ACK",
        TcpState.TimeWait => "TIME_WAIT",
        var state => state.ToString().ToUpperInvariant(),
    };

    /// <summary>Brings the stack's end from CLOSED to <paramref name="start"/> over the wire, checking each step's segments.</summary>
    internal static void Reach(Start start, RawTcpPeer p)
    {
        switch (start)
        {
            case Start.Closed:
                break;
            case Start.Listen:
                p.Listen();
                break;
            case Start.SynSent:
                p.ConnectToSynSent();
                break;
            case Start.SynReceivedPassive:
                p.OpenToSynReceived();
                break;
            case Start.SynReceivedSimultaneous:
                p.ConnectToSynSent();
                p.SendSyn();
                Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, p.ExpectSingle().Flags);
                break;
            case Start.Established:
                p.OpenPassive();
                break;
            case Start.FinWait1:
                Reach(Start.Established, p);
                p.Connection!.Shutdown();
                Assert.Equal(TcpFlags.Fin | TcpFlags.Ack, p.ExpectSingle().Flags);
                break;
            case Start.FinWait2:
                Reach(Start.FinWait1, p);
                p.SendAck();
                p.ExpectNothing();
                break;
            case Start.CloseWait:
                Reach(Start.Established, p);
                p.Send(TcpFlags.Fin | TcpFlags.Ack);
                ExpectAckMaybeDelayed(p);
                break;
            case Start.Closing:
                Reach(Start.FinWait1, p);
                p.Send(TcpFlags.Fin | TcpFlags.Ack, ack: p.StackNext - 1);
                Assert.Equal(TcpFlags.Ack, p.ExpectSingle().Flags);
                break;
            case Start.LastAck:
                Reach(Start.CloseWait, p);
                p.Connection!.Shutdown();
                Assert.Equal(TcpFlags.Fin | TcpFlags.Ack, p.ExpectSingle().Flags);
                break;
            case Start.TimeWait:
                Reach(Start.FinWait2, p);
                p.Send(TcpFlags.Fin | TcpFlags.Ack);
                Assert.Equal(TcpFlags.Ack, p.ExpectSingle().Flags);
                break;
        }
        if (p.Connection is not null && StateOf(start) != TcpState.TimeWait) Assert.Equal(StateOf(start), p.Connection.State);
    }

    private static Segment ExpectAckMaybeDelayed(RawTcpPeer p)
    {
        List<Segment> segments = p.Received();
        if (segments.Count == 0)
        {
            p.Harness.Advance(DelayedAck + TimeSpan.FromMilliseconds(2));
            segments = p.Received();
        }
        Assert.True(segments.Count == 1, $"expected one ACK, got:\n{TcpSegments.Describe(segments)}");
        Assert.Equal(TcpFlags.Ack, segments[0].Flags & ~TcpFlags.Psh);
        return segments[0];
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void State_diagram_transition(string transition)
    {
        Transition row = Table[transition];
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        Reach(row.From, p);
        int closedCallsBefore = p.ClosedCalls;

        row.Event(p);

        if (row.Reply is Reply reply)
        {
            uint? sequence = reply.Sequence?.Invoke(p);
            uint? acknowledgment = reply.Acknowledgment?.Invoke(p);
            List<Segment> segments = p.Received();
            if (segments.Count == 0 && reply.MayBeDelayed)
            {
                h.Advance(DelayedAck + TimeSpan.FromMilliseconds(2));
                segments = p.Received();
            }
            Assert.True(segments.Count == 1, $"expected one {TcpSegments.Describe(reply.Flags)}, got:\n{TcpSegments.Describe(segments)}");
            Segment answer = segments[0];
            Assert.True(answer.Flags == reply.Flags, $"expected {TcpSegments.Describe(reply.Flags)}, got {answer}");
            if (sequence is uint seq) Assert.True(answer.Sequence == seq, $"expected seq={seq}, got {answer}");
            if (acknowledgment is uint ack) Assert.True(answer.Acknowledgment == ack, $"expected ack={ack}, got {answer}");
            Assert.Empty(answer.Payload);
        }
        else
        {
            p.ExpectNothing();
        }

        if (p.Connection is null && p.Listener is not null && p.Listener.TryAccept(out TcpConnection? accepted)) p.Adopt(accepted);
        switch (row.To)
        {
            case TcpState.Closed or TcpState.Listen:
                Assert.Equal(0, h.Stack.Tcp.ConnectionCount);
                // TIME_WAIT already reported its end; leaving it early is not a second one.
                if (p.Connection is not null && row.From != Start.TimeWait)
                {
                    Assert.Equal(closedCallsBefore + 1, p.ClosedCalls);
                    Assert.Equal(TcpState.Closed, p.StateWhenClosed);
                    Assert.Equal(row.Error, p.ErrorWhenClosed);
                }
                break;
            case TcpState.TimeWait:
                Assert.Equal(1, h.Stack.Tcp.ConnectionCount);
                Assert.Equal(1, p.ClosedCalls);
                Assert.Equal(TcpState.TimeWait, p.StateWhenClosed);
                Assert.Equal(TcpError.None, p.ErrorWhenClosed);
                break;
            default:
                Assert.Equal(1, h.Stack.Tcp.ConnectionCount);
                if (p.Connection is not null) Assert.Equal(row.To, p.Connection.State);
                Assert.Equal(closedCallsBefore, p.ClosedCalls);
                break;
        }
    }

    [Fact]
    public void Every_state_of_the_diagram_has_a_row()
    {
        var covered = Table.Values.SelectMany(row => new[] { StateOf(row.From), row.To }).ToHashSet();
        Assert.Equal(Enum.GetValues<TcpState>().ToHashSet(), covered);
    }

    // ---- TIME_WAIT ------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(30)]
    [InlineData(2)]
    public void Time_wait_lasts_two_maximum_segment_lifetimes_and_not_less(int mslSeconds)
    {
        var msl = TimeSpan.FromSeconds(mslSeconds);
        using var h = TcpHarness.RawPeer(new TcpOptions { MaximumSegmentLifetime = msl });
        var p = new RawTcpPeer(h);
        Reach(Start.TimeWait, p);
        Assert.Equal(1, h.Stack.Tcp.ConnectionCount);

        h.Advance(2 * msl - TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(50));
        Assert.Equal(1, h.Stack.Tcp.ConnectionCount);
        h.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(0, h.Stack.Tcp.ConnectionCount);
        p.ExpectNothing();

        // Gone for good: the pair is a closed port again.
        p.Send(TcpFlags.Ack);
        Assert.Equal(TcpFlags.Rst, p.ExpectSingle().Flags);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_retransmitted_fin_in_time_wait_restarts_the_two_msl_timer()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        Reach(Start.TimeWait, p);
        h.Advance(TimeSpan.FromSeconds(50), TimeSpan.FromMilliseconds(100));
        // RFC 9293 3.10.7.4 (TIME-WAIT, eighth step): acknowledge it and restart the 2 MSL timeout.
        p.Send(TcpFlags.Fin | TcpFlags.Ack, seq: p.Next - 1);
        Assert.Equal(TcpFlags.Ack, p.ExpectSingle().Flags);
        h.Advance(TimeSpan.FromSeconds(59), TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, h.Stack.Tcp.ConnectionCount);
        h.Advance(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, h.Stack.Tcp.ConnectionCount);
    }

    [Fact]
    public void An_unanswered_syn_is_retransmitted_with_backoff_then_the_connect_times_out()
    {
        using var h = TcpHarness.RawPeer(new TcpOptions { MaxSynRetransmissions = 4 });
        var p = new RawTcpPeer(h);
        Segment syn = p.ConnectToSynSent();
        long start = h.Clock.NowNanoseconds;
        var times = new List<double>();
        while (p.ClosedCalls == 0 && h.Clock.NowNanoseconds - start < 300_000_000_000)
        {
            h.Advance(TimeSpan.FromMilliseconds(50));
            foreach (Segment segment in p.Received())
            {
                Assert.Equal((TcpFlags.Syn, syn.Sequence), (segment.Flags, segment.Sequence));
                times.Add((h.Clock.NowNanoseconds - start) / 1e9);
            }
        }
        // Initial RTO 1 s, doubled each time (RFC 6298 5.5, RFC 9293 3.8.1): 1, 3, 7, 15; given up at 31.
        Assert.Equal(4, times.Count);
        double[] expected = [1, 3, 7, 15];
        for (int i = 0; i < expected.Length; i++) Assert.InRange(times[i], expected[i] - 0.06, expected[i] + 0.06);
        Assert.Equal((TcpState.Closed, TcpError.TimedOut), (p.StateWhenClosed, p.ErrorWhenClosed));
        Assert.InRange((h.Clock.NowNanoseconds - start) / 1e9, 30.9, 31.1);
        Assert.Equal(0, h.Stack.Tcp.ConnectionCount);
    }

    [Fact]
    public void Data_never_acknowledged_times_the_connection_out_after_max_retransmissions()
    {
        using var h = TcpHarness.RawPeer(new TcpOptions { MaxRetransmissions = 3, TailLossProbes = false });
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        connection.Send(new byte[100]);
        p.ExpectSingle();
        int retransmissions = 0;
        long start = h.Clock.NowNanoseconds;
        while (p.ClosedCalls == 0 && h.Clock.NowNanoseconds - start < 300_000_000_000)
        {
            h.Advance(TimeSpan.FromMilliseconds(10));
            retransmissions += p.Received().Count(segment => segment.Payload.Length == 100);
        }
        Assert.Equal(3, retransmissions);
        Assert.Equal((TcpState.Closed, TcpError.TimedOut), (p.StateWhenClosed, p.ErrorWhenClosed));
        Assert.Equal(0, h.Stack.Tcp.ConnectionCount);
    }

    [Fact]
    public void Connect_throws_when_the_connection_table_is_full()
    {
        using var h = TcpHarness.RawPeer(new TcpOptions { MaxConnections = 4 });
        for (int i = 0; i < 4; i++) h.Stack.Tcp.Connect(TcpHarness.IpA, 80);
        Assert.Throws<InvalidOperationException>(() => h.Stack.Tcp.Connect(TcpHarness.IpA, 80));
        Assert.Equal(4, h.Stack.Tcp.ConnectionCount);
    }

    [Fact]
    public void Listen_on_a_port_held_by_time_wait_needs_reuse_address()
    {
        using var h = TcpHarness.Pair();
        TcpHarness.Endpoint a = h.A!, b = h.B;
        TcpListener listener = b.Tcp.Listen(80);
        TcpConnection client = a.Tcp.Connect(TcpHarness.IpB, 80);
        h.Run();
        Assert.True(listener.TryAccept(out TcpConnection? server));
        Assert.Equal(TcpState.Established, client.State);

        // B closes first, so B's end (local port 80) is the one in TIME_WAIT.
        server.Close();
        h.Run();
        Assert.Equal(TcpState.CloseWait, client.State);
        client.Close();
        h.Run();
        Assert.Equal(1, b.Tcp.ConnectionCount);
        Assert.Equal(0, a.Tcp.ConnectionCount);
        listener.Dispose();

        var refused = Assert.Throws<InvalidOperationException>(() => b.Tcp.Listen(80));
        Assert.Contains("80", refused.Message, StringComparison.Ordinal);
        TcpListener reused = b.Tcp.Listen(80, reuseAddress: true);
        Assert.Equal(80, reused.LocalPort);
        // And the reused listener works.
        TcpConnection second = a.Tcp.Connect(TcpHarness.IpB, 80, localPort: 50001); // not the 4-tuple in TIME_WAIT
        h.Run();
        Assert.Equal(TcpState.Established, second.State);
        Assert.Equal(1, reused.PendingAccepts);
        reused.Dispose();

        h.Advance(TimeSpan.FromSeconds(61), TimeSpan.FromMilliseconds(100));
        using TcpListener after = b.Tcp.Listen(80);
        Assert.Equal(80, after.LocalPort);
    }

    [Fact]
    public void Listen_on_a_port_with_a_listener_throws_even_with_reuse_address()
    {
        using var h = TcpHarness.RawPeer();
        using TcpListener first = h.Stack.Tcp.Listen(8080);
        Assert.Throws<InvalidOperationException>(() => h.Stack.Tcp.Listen(8080));
        Assert.Throws<InvalidOperationException>(() => h.Stack.Tcp.Listen(8080, reuseAddress: true));
    }

    // ---- Validation of what arrives -------------------------------------------------------------------------------------

    [Fact]
    public void A_segment_with_a_bad_checksum_is_dropped_and_counted()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        p.Listen();
        long before = h.Stack.GetCounters().Dropped(StackDropReason.BadChecksum);
        p.Send(TcpFlags.Syn, seq: p.PeerIsn, options: p.SynOptions, badChecksum: true);
        p.ExpectNothing();
        Assert.Equal(0, h.Stack.Tcp.ConnectionCount);
        Assert.Equal(before + 1, h.Stack.GetCounters().Dropped(StackDropReason.BadChecksum));

        // In ESTABLISHED, damaged data is not delivered (and not acknowledged).
        p.Next = p.PeerIsn;
        TcpConnection connection = p.OpenPassive();
        p.Send(TcpFlags.Ack | TcpFlags.Psh, [1, 2, 3], badChecksum: true);
        p.Next -= 3;
        p.ExpectNothing();
        Assert.Equal(0, connection.Available);
        Assert.Equal(before + 2, h.Stack.GetCounters().Dropped(StackDropReason.BadChecksum));
    }

    [Fact]
    public void Data_on_an_ack_of_unsent_data_is_dropped()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        uint next = p.Next;
        p.Send(TcpFlags.Ack | TcpFlags.Psh, [1, 2, 3, 4], ack: p.StackNext + 5000);
        Segment answer = p.ExpectSingle();
        Assert.Equal((TcpFlags.Ack, next), (answer.Flags, answer.Acknowledgment));
        Assert.Equal(0, connection.Available);
    }

    // ---- Options (RFC 7323, 2018, 9293 3.7.1) ---------------------------------------------------------------------------

    [Fact]
    public void Handshake_negotiates_mss_window_scale_sack_and_timestamps_when_offered()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h)
        {
            SynOptions = new TcpRepr { MaxSegmentSize = 1460, SackPermitted = true, WindowScale = 7, Timestamps = (123_456, 0) },
        };
        Segment synAck = p.OpenToSynReceived();
        Assert.Equal((ushort)1460, synAck.Header.MaxSegmentSize);
        Assert.NotNull(synAck.Header.WindowScale);
        Assert.True(synAck.Header.SackPermitted, synAck.ToString());
        Assert.True(synAck.Header.Timestamps is (_, 123_456), $"TSecr must echo the SYN's TSval: {synAck}");

        // Active open offers the same four.
        var q = new RawTcpPeer(h, stackPort: 5555, peerPort: 41000);
        Segment syn = q.ConnectToSynSent();
        Assert.Equal((ushort)1460, syn.Header.MaxSegmentSize);
        Assert.NotNull(syn.Header.WindowScale);
        Assert.True(syn.Header.SackPermitted, syn.ToString());
        Assert.True(syn.Header.Timestamps is (_, 0), syn.ToString());

        // With timestamps agreed, every later segment carries one echoing the peer's latest TSval (RFC 7323 3.2, 4.3).
        TcpConnection connection = Accept(p, ts: (123_500, synAck.Header.Timestamps!.Value.Value));
        connection.Send(new byte[100]);
        Segment data = p.ExpectSingle();
        Assert.True(data.Header.Timestamps is (_, 123_500), data.ToString());
    }

    private static TcpConnection Accept(RawTcpPeer p, (uint, uint)? ts)
    {
        p.Send(TcpFlags.Ack, options: new TcpRepr { Timestamps = ts });
        Assert.True(p.Listener!.TryAccept(out TcpConnection? connection));
        p.Adopt(connection);
        return connection;
    }

    [Fact]
    public void Options_the_peer_omits_are_not_used()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h) { SynOptions = new TcpRepr() };
        Segment synAck = p.OpenToSynReceived();
        Assert.NotNull(synAck.Header.MaxSegmentSize); // ours is always sent (RFC 9293 3.7.1)
        Assert.Null(synAck.Header.WindowScale);
        Assert.False(synAck.Header.SackPermitted);
        Assert.Null(synAck.Header.Timestamps);

        TcpConnection connection = Accept(p, ts: null);
        // Without the peer's MSS option the stack sends at most 536 bytes a segment (RFC 9293 3.7.1, RFC 1122 4.2.2.6).
        Assert.Equal(536, connection.GetStatistics().SendMss);
        connection.NoDelay = true;
        Assert.Equal(1000, connection.Send(new byte[1000]));
        List<Segment> data = p.Received();
        Assert.All(data, segment =>
        {
            Assert.Null(segment.Header.Timestamps);
            Assert.Equal(0, segment.Header.SackBlocks.Count);
            Assert.True(segment.Payload.Length <= 536, segment.ToString());
        });
        // Unscaled: the window field is the whole receive space up to 65535.
        Assert.Equal(65535, data[0].Header.Window);
        Assert.Equal(65535 * 1L, connection.GetStatistics().PeerWindow);
    }

    [Fact]
    public void Window_scaling_applies_to_both_directions_after_the_handshake()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h); // offers scale 7
        TcpConnection connection = p.OpenPassive();
        byte shift = p.StackWindowScale ?? throw new InvalidOperationException("the stack did not answer with a window scale");

        // The peer's window of 10 means 10 << 7 bytes.
        p.SendAck(window: 10);
        Assert.Equal(10 << 7, connection.GetStatistics().PeerWindow);
        connection.NoDelay = true;
        byte[] data = TcpSegments.Pattern(5000);
        Assert.Equal(5000, connection.Send(data));
        // A window below one MSS may wait for the persist timer (Linux sends only whole segments until it
        // fires, RFC 9293 3.8.6.2.1 lets the sender wait too); either way nothing beyond the window goes out.
        var sent = new List<Segment>();
        for (int i = 0; i < 300 && sent.Count == 0; i++)
        {
            sent.AddRange(p.Received());
            if (sent.Count == 0) h.Advance(TimeSpan.FromMilliseconds(10));
        }
        uint first = sent.Min(segment => segment.Sequence);
        uint end = sent.Max(segment => segment.Sequence + (uint)segment.Payload.Length);
        Assert.Equal((uint)(10 << 7), end - first);
        Assert.All(sent, segment => Assert.Equal(data.AsSpan((int)(segment.Sequence - first), segment.Payload.Length).ToArray(), segment.Payload));

        // The stack's window field, shifted by its scale, is its receive space (256 KiB by default).
        int advertised = sent[^1].Header.Window << shift;
        Assert.InRange(advertised, 256 * 1024 - (1 << shift) + 1, 256 * 1024);
    }

    [Fact]
    public void Sack_blocks_report_out_of_order_data()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        uint hole = p.Next;
        p.Send(TcpFlags.Ack, new byte[100], seq: hole + 100);
        Segment dupAck = p.ExpectSingle();
        Assert.Equal(hole, dupAck.Acknowledgment);
        Assert.Equal(1, dupAck.Header.SackBlocks.Count);
        Assert.Equal(new TcpSackBlock(hole + 100, hole + 200), dupAck.Header.SackBlocks[0]);
        Assert.Equal(0, connection.Available);

        p.Send(TcpFlags.Ack, new byte[100], seq: hole);
        p.Next = hole + 200;
        Segment ack = ExpectAckMaybeDelayed(p);
        Assert.Equal(hole + 200, ack.Acknowledgment);
        Assert.Equal(0, ack.Header.SackBlocks.Count);
        Assert.Equal(200, connection.Available);
    }

    [Fact]
    public void Sequence_numbers_wrap_around_two_to_the_thirty_two()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h, peerIsn: uint.MaxValue - 1500);
        TcpConnection connection = p.OpenPassive();
        byte[] data = TcpSegments.Pattern(4000, 10);
        // The second segment crosses 2^32; the third is sent before the second (comparisons are modulo 2^32, RFC 9293 3.4).
        uint start = p.Next;
        p.Send(TcpFlags.Ack, data[..1000], seq: start);
        p.Send(TcpFlags.Ack, data[2000..3000], seq: start + 2000);
        p.Send(TcpFlags.Ack, data[1000..2000], seq: start + 1000);
        p.Send(TcpFlags.Ack, data[3000..], seq: start + 3000);
        p.Next = start + 4000;
        var received = new byte[data.Length];
        Assert.Equal(data.Length, connection.Receive(received));
        Assert.Equal(data, received);
        p.Received();
        h.Advance(DelayedAck + TimeSpan.FromMilliseconds(2));
        p.Received();
        Assert.Equal(start + 4000, p.StackAcknowledged);
    }

    [Fact]
    public void Segments_overtaken_by_later_ones_are_reassembled_when_the_hole_fills()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        const int Mss = 1460;
        byte[] data = TcpSegments.Pattern(5 * Mss, 4);
        uint start = p.Next;
        // Segment 0 is overtaken by 1..4: each gets an immediate duplicate ACK with SACK (RFC 5681 4.2, RFC 2018 4).
        for (int i = 1; i < 5; i++)
        {
            p.Send(TcpFlags.Ack, data[(i * Mss)..((i + 1) * Mss)], seq: start + (uint)(i * Mss));
            Segment dupAck = p.ExpectSingle();
            Assert.Equal(start, dupAck.Acknowledgment);
            Assert.True(dupAck.Header.SackBlocks.Count >= 1 && dupAck.Header.SackBlocks[0] == new TcpSackBlock(start + Mss, start + (uint)((i + 1) * Mss)),
                dupAck.ToString());
        }
        p.Send(TcpFlags.Ack, data[..Mss], seq: start);
        p.Next = start + (uint)data.Length;
        Segment ack = ExpectAckMaybeDelayed(p);
        Assert.Equal(p.Next, ack.Acknowledgment);
        var received = new byte[data.Length];
        Assert.Equal(data.Length, connection.Receive(received));
        Assert.Equal(data, received);
    }

    [Fact]
    public void A_fin_that_overtakes_the_last_data_is_honoured_when_the_hole_fills()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        byte[] data = TcpSegments.Pattern(2000, 8);
        uint start = p.Next;
        // The last data and the FIN arrive before the bytes in front of them (RFC 9293 3.10.7.4: kept for later processing).
        p.Send(TcpFlags.Ack | TcpFlags.Fin, data[1000..], seq: start + 1000);
        Assert.Equal(start, p.ExpectSingle().Acknowledgment);
        Assert.Equal(TcpState.Established, connection.State);

        p.Send(TcpFlags.Ack, data[..1000], seq: start);
        p.Next = start + 2001;
        // The FIN is acknowledged now, not after the peer retransmits it.
        Segment ack = ExpectAckMaybeDelayed(p);
        Assert.True(ack.Acknowledgment == start + 2001, $"the FIN that came early was forgotten: {ack}");
        Assert.Equal(TcpState.CloseWait, connection.State);
        var received = new byte[data.Length];
        Assert.Equal(data.Length, connection.Receive(received));
        Assert.Equal(data, received);
        Assert.True(connection.IsReceiveFinished);
    }

    [Fact]
    public void Three_duplicate_acks_with_sack_retransmit_the_hole_once_and_no_timeout_follows()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        byte[] data = TcpSegments.Pattern(8 * 1460, 5);
        Assert.Equal(data.Length, connection.Send(data));
        List<Segment> flight = p.Received();
        Assert.Equal(data.Length, flight.Sum(segment => segment.Payload.Length));
        uint una = flight[0].Sequence;
        uint lost = flight[0].Sequence + (uint)flight[0].Payload.Length;

        // The peer got segment 0 and 2..4, not 1.
        p.Send(TcpFlags.Ack, ack: lost);
        for (int i = 2; i < 5; i++)
        {
            uint right = flight[i].Sequence + (uint)flight[i].Payload.Length;
            p.Send(TcpFlags.Ack, ack: lost, options: new TcpRepr { SackBlocks = new TcpSackBlocks([new TcpSackBlock(flight[2].Sequence, right)]) });
        }
        Segment retransmission = Assert.Single(p.Received(), segment => segment.Sequence == lost);
        Assert.Equal(flight[1].Payload, retransmission.Payload);

        // Everything acknowledged: nothing more is sent, now or when the old RTO would have fired.
        p.SendAck();
        h.Advance(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(10));
        p.ExpectNothing();
        var statistics = connection.GetStatistics();
        Assert.Equal((1L, 0L), (statistics.FastRetransmits, statistics.Timeouts));
        Assert.Equal(una + (uint)data.Length, p.StackNext);
    }

    [Fact]
    public void A_retransmission_shortened_by_sack_blocks_still_starts_at_the_hole()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        byte[] data = TcpSegments.Pattern(8 * 1460, 7);
        Assert.Equal(data.Length, connection.Send(data));
        List<Segment> flight = p.Received();
        uint first = flight[0].Sequence;
        uint lost = flight[1].Sequence;
        int lostLength = flight[1].Payload.Length;

        // The peer now has a hole of its own toward the stack, so the stack's next segments carry a SACK block
        // and hold fewer data bytes than the original (RFC 9293 3.7.1).
        p.Send(TcpFlags.Ack, new byte[10], seq: p.Next + 500, ack: lost);
        p.Received();
        // Five duplicate ACKs (each SACKing one more segment): room for the stack to send every byte of the hole.
        var repairs = new List<Segment>();
        for (int i = 2; i < 7; i++)
        {
            uint right = flight[i].Sequence + (uint)flight[i].Payload.Length;
            p.Send(TcpFlags.Ack, ack: lost, options: new TcpRepr { SackBlocks = new TcpSackBlocks([new TcpSackBlock(flight[2].Sequence, right)]) });
            repairs.AddRange(p.Received().Where(segment => segment.Payload.Length > 0 && TcpSequenceLess(segment.Sequence, flight[2].Sequence)));
        }
        Assert.True(repairs.Count > 0 && repairs[0].Sequence == lost,
            $"the retransmission must start at the hole {lost}:\n{TcpSegments.Describe(repairs)}");
        var covered = new bool[lostLength];
        foreach (Segment segment in repairs)
        {
            int offset = (int)(segment.Sequence - lost);
            Assert.Equal(data.AsSpan((int)(segment.Sequence - first), segment.Payload.Length).ToArray(), segment.Payload);
            for (int i = Math.Max(0, offset); i < Math.Min(lostLength, offset + segment.Payload.Length); i++) covered[i] = true;
        }
        Assert.True(covered.All(c => c), $"bytes of the hole not retransmitted:\n{TcpSegments.Describe(repairs)}");
        Assert.Equal(0, connection.GetStatistics().Timeouts);
    }

    private static bool TcpSequenceLess(uint a, uint b) => (int)(a - b) < 0;

    [Fact]
    public void Data_segments_carrying_sack_blocks_stay_contiguous()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h) { SynOptions = new TcpRepr { MaxSegmentSize = 1460, SackPermitted = true, WindowScale = 7, Timestamps = (1, 0) } };
        Segment synAck = p.OpenToSynReceived();
        TcpConnection connection = Accept(p, ts: (2, synAck.Header.Timestamps!.Value.Value));
        // A hole in what the peer sent: the stack's segments now carry SACK blocks, which take option space.
        p.Send(TcpFlags.Ack, new byte[100], seq: p.Next + 1000, options: new TcpRepr { Timestamps = (3, 0) });
        Assert.Single(p.Received());

        byte[] data = TcpSegments.Pattern(8 * 1460, 6);
        Assert.Equal(data.Length, connection.Send(data));
        List<Segment> sent = p.Received();
        uint start = sent[0].Sequence;
        var stream = new List<byte>();
        foreach (Segment segment in sent)
        {
            Assert.True(segment.Header.SackBlocks.Count > 0, segment.ToString());
            // Options and payload fit the MSS together (RFC 9293 3.7.1), and each segment starts where the last ended.
            Assert.True(segment.Header.HeaderLength - 20 + segment.Payload.Length <= 1460, segment.ToString());
            Assert.True(segment.Sequence == start + (uint)stream.Count,
                $"a gap before {segment}: expected seq {start + (uint)stream.Count}\n{TcpSegments.Describe(sent)}");
            stream.AddRange(segment.Payload);
        }
        Assert.Equal(data.AsSpan(0, stream.Count).ToArray(), stream.ToArray());
        Assert.Equal(p.StackNext, start + (uint)stream.Count);
    }

    // ---- Timers: persist, retransmission, delayed ACK, keepalive ----------------------------------------------------------

    [Fact]
    public void A_zero_window_is_probed_when_the_persist_timer_fires()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        p.SendAck(window: 0);
        byte[] data = TcpSegments.Pattern(1000, 3);
        Assert.Equal(1000, connection.Send(data));
        p.ExpectNothing();

        uint sndNxt = p.StackNext;
        Segment? probe = null;
        for (int i = 0; i < 3000 && probe is null; i++)
        {
            h.Advance(TimeSpan.FromMilliseconds(10));
            List<Segment> segments = p.Received();
            if (segments.Count > 0) probe = Assert.Single(segments);
        }
        Assert.NotNull(probe);
        // Either a byte beyond the window (RFC 9293 3.8.6.1) or Linux's zero-length segment at SND.NXT - 1.
        bool rfcProbe = probe.Payload.Length == 1 && probe.Sequence == sndNxt && probe.Payload[0] == data[0];
        bool linuxProbe = probe.Payload.Length == 0 && probe.Sequence == sndNxt - 1;
        Assert.True(rfcProbe || linuxProbe, $"not a window probe: {probe}");
        Assert.Equal(TcpState.Established, connection.State);

        // The window opens: everything arrives, in order.
        var received = new List<byte>(probe.Payload);
        p.SendAck(window: 65535);
        for (int round = 0; round < 10 && received.Count < data.Length; round++)
        {
            foreach (Segment segment in p.Received()) received.AddRange(segment.Payload);
            p.SendAck();
        }
        Assert.Equal(data, received.ToArray());
    }

    [Fact]
    public void Retransmission_timeout_doubles_on_each_loss()
    {
        // RFC 6298 alone: without the tail loss probe (RFC 8985), which would add one early retransmission.
        using var h = TcpHarness.RawPeer(new TcpOptions { TailLossProbes = false });
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        byte[] data = TcpSegments.Pattern(100, 9);
        connection.Send(data);
        Segment first = p.ExpectSingle();
        long sentAt = h.Clock.NowNanoseconds;
        var times = new List<long> { sentAt };
        while (times.Count < 6 && h.Clock.NowNanoseconds - sentAt < 200_000_000_000)
        {
            h.Advance(TimeSpan.FromMilliseconds(5));
            foreach (Segment segment in p.Received())
            {
                Assert.Equal(first.Sequence, segment.Sequence);
                Assert.Equal(data, segment.Payload);
                times.Add(h.Clock.NowNanoseconds);
            }
        }
        Assert.True(times.Count == 6, $"only {times.Count - 1} retransmissions in 200 s");
        var intervals = times.Zip(times.Skip(1), (a, b) => (b - a) / 1_000_000.0).ToArray();
        for (int i = 1; i < intervals.Length; i++)
        {
            Assert.True(Math.Abs(intervals[i] - 2 * intervals[i - 1]) <= 12,
                $"RTO did not double (RFC 6298 5.5): intervals {string.Join(", ", intervals)} ms");
        }
        Assert.InRange(intervals[0], 195, 1010); // a first RTO between the minimum and the initial one
        var statistics = connection.GetStatistics();
        Assert.Equal(5, statistics.Timeouts);
        Assert.Equal(5, statistics.Retransmissions);

        // The ACK ends the backoff: the next loss waits a fresh RTO, not the backed-off one.
        p.SendAck();
        connection.Send(data);
        p.ExpectSingle();
        long again = h.Clock.NowNanoseconds;
        while (p.Received().Count == 0) h.Advance(TimeSpan.FromMilliseconds(5));
        Assert.True((h.Clock.NowNanoseconds - again) / 1e6 < intervals[^1], "the RTO stayed backed off after an ACK");
    }

    [Fact]
    public void Delayed_ack_acknowledges_every_second_full_segment_at_once_and_a_single_one_after_the_timeout()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        const int Mss = 1460;

        p.Send(TcpFlags.Ack, new byte[Mss]);
        p.ExpectNothing();
        h.Advance(DelayedAck - TimeSpan.FromMilliseconds(2));
        p.ExpectNothing();
        h.Advance(TimeSpan.FromMilliseconds(4));
        Segment late = p.ExpectSingle();
        Assert.Equal(p.Next, late.Acknowledgment);

        p.Send(TcpFlags.Ack, new byte[Mss]);
        p.ExpectNothing();
        p.Send(TcpFlags.Ack, new byte[Mss]);
        Segment both = p.ExpectSingle();
        Assert.Equal(p.Next, both.Acknowledgment);
        h.Advance(DelayedAck + TimeSpan.FromMilliseconds(2));
        p.ExpectNothing();
        Assert.Equal(3 * Mss, connection.Available);
    }

    [Fact]
    public void Nagle_holds_a_small_segment_while_data_is_unacknowledged_and_no_delay_sends_it()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        Assert.False(connection.NoDelay);

        connection.Send(new byte[100]);
        Assert.Equal(100, p.ExpectSingle().Payload.Length);
        connection.Send(new byte[100]);
        connection.Send(new byte[50]);
        p.ExpectNothing();
        p.SendAck();
        Assert.Equal(150, p.ExpectSingle().Payload.Length); // held bytes go out together once acknowledged
        p.SendAck();

        connection.NoDelay = true;
        connection.Send(new byte[100]);
        Assert.Equal(100, p.ExpectSingle().Payload.Length);
        connection.Send(new byte[100]);
        Assert.Equal(100, p.ExpectSingle().Payload.Length);
    }

    [Fact]
    public void No_delay_from_the_stack_options_applies_to_new_connections()
    {
        using var h = TcpHarness.RawPeer(new TcpOptions { NoDelay = true });
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        Assert.True(connection.NoDelay);
        connection.Send(new byte[10]);
        connection.Send(new byte[10]);
        Assert.Equal(2, p.Received().Count);
    }

    private static TcpOptions KeepAliveOptions => new()
    {
        KeepAliveIdle = TimeSpan.FromSeconds(60),
        KeepAliveInterval = TimeSpan.FromSeconds(5),
        KeepAliveCount = 3,
    };

    [Fact]
    public void Keepalive_probes_an_idle_peer_and_drops_the_connection_after_count_unanswered_probes()
    {
        using var h = TcpHarness.RawPeer(KeepAliveOptions);
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        connection.KeepAlive = true;

        h.Advance(TimeSpan.FromSeconds(59.9), TimeSpan.FromMilliseconds(100));
        p.ExpectNothing();
        var probeTimes = new List<double>();
        long start = h.Clock.NowNanoseconds;
        while (p.ClosedCalls == 0 && h.Clock.NowNanoseconds - start < 60_000_000_000)
        {
            h.Advance(TimeSpan.FromMilliseconds(100));
            foreach (Segment segment in p.Received())
            {
                if (segment.Has(TcpFlags.Rst)) continue; // Linux resets the dead connection; not required
                // RFC 1122 4.2.3.6: SEG.SEQ = SND.NXT - 1, zero or one garbage byte.
                Assert.Equal(TcpFlags.Ack, segment.Flags);
                Assert.Equal(p.StackNext - 1, segment.Sequence);
                Assert.True(segment.Payload.Length <= 1, segment.ToString());
                probeTimes.Add((h.Clock.NowNanoseconds - start) / 1e9);
            }
        }
        Assert.Equal(3, probeTimes.Count);
        Assert.InRange(probeTimes[0], 0, 0.25);
        Assert.InRange(probeTimes[1] - probeTimes[0], 4.9, 5.1);
        Assert.InRange(probeTimes[2] - probeTimes[1], 4.9, 5.1);
        Assert.Equal(1, p.ClosedCalls);
        Assert.Equal((TcpState.Closed, TcpError.KeepaliveTimedOut), (p.StateWhenClosed, p.ErrorWhenClosed));
        Assert.Equal(0, h.Stack.Tcp.ConnectionCount);
    }

    [Fact]
    public void Keepalive_answered_keeps_the_connection()
    {
        using var h = TcpHarness.RawPeer(KeepAliveOptions);
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        connection.KeepAlive = true;
        int probes = 0;
        for (int i = 0; i < 3000; i++) // 300 s: five idle periods
        {
            h.Advance(TimeSpan.FromMilliseconds(100));
            foreach (Segment _ in p.Received())
            {
                probes++;
                p.SendAck();
            }
        }
        Assert.InRange(probes, 4, 5);
        Assert.Equal(TcpState.Established, connection.State);
        Assert.Equal(0, p.ClosedCalls);
    }

    [Fact]
    public void Keepalive_is_off_by_default()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        Assert.False(connection.KeepAlive);
        h.Advance(TimeSpan.FromHours(3), TimeSpan.FromSeconds(1));
        p.ExpectNothing();
        Assert.Equal(TcpState.Established, connection.State);
    }

    // ---- Urgent data (RFC 6093: one out-of-band byte, as Linux without SO_OOBINLINE) -------------------------------------

    [Fact]
    public void The_urgent_byte_is_delivered_out_of_band()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        // The urgent pointer points just past the urgent byte (RFC 6093 section 4, what every stack does).
        p.Send(TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Urg, "ab!"u8.ToArray(), urgentPointer: 3);
        Assert.Equal([(byte)'!'], p.Urgent);
        var buffer = new byte[10];
        Assert.Equal(2, connection.Receive(buffer));
        Assert.Equal("ab"u8.ToArray(), buffer[..2]);

        p.Received();
        Assert.True(connection.SendUrgent((byte)'Z'));
        Segment urgent = Assert.Single(p.Received());
        Assert.True(urgent.Has(TcpFlags.Urg), urgent.ToString());
        Assert.InRange(urgent.Header.UrgentPointer, 1, urgent.Payload.Length);
        Assert.Equal((byte)'Z', urgent.Payload[urgent.Header.UrgentPointer - 1]);
    }

    // ---- SYN backlog and cookies ----------------------------------------------------------------------------------------

    [Fact]
    public void A_full_syn_backlog_answers_with_syn_cookies_and_the_ack_completes_the_connection()
    {
        using var h = TcpHarness.RawPeer(new TcpOptions { SynBacklog = 1 });
        var halfOpen = new RawTcpPeer(h, peerPort: 40001);
        halfOpen.OpenToSynReceived();
        var beforeCookies = h.Stack.Tcp.GetCounters();
        Assert.Equal(0, beforeCookies.SynCookiesSent);

        var cookie = new RawTcpPeer(h, peerPort: 40002, peerIsn: 77_000);
        cookie.ShareListener(halfOpen.Listener!);
        Segment synAck = cookie.OpenToSynReceived();
        Assert.Equal(1, h.Stack.Tcp.GetCounters().SynCookiesSent);
        Assert.Equal((ushort)1460, synAck.Header.MaxSegmentSize);
        // A cookie holds no state: only the half-open connection is in the table.
        Assert.Equal(1, h.Stack.Tcp.ConnectionCount);

        cookie.SendAck();
        cookie.ExpectNothing();
        Assert.True(halfOpen.Listener!.TryAccept(out TcpConnection? connection));
        cookie.Adopt(connection);
        Assert.Equal((TcpState.Established, (ushort)40002), (connection.State, connection.RemotePort));
        Assert.Equal(1, h.Stack.Tcp.GetCounters().SynCookiesAccepted);

        // The connection carries data both ways.
        cookie.Send(TcpFlags.Ack | TcpFlags.Psh, "hello"u8.ToArray());
        var buffer = new byte[16];
        Assert.Equal(5, connection.Receive(buffer));
        connection.NoDelay = true;
        connection.Send("world"u8);
        Assert.Contains(cookie.Received(), segment => segment.Payload.AsSpan().SequenceEqual("world"u8));

        // An ACK with a forged cookie opens nothing and gets a reset.
        var forged = new RawTcpPeer(h, peerPort: 40003, peerIsn: 5);
        forged.ShareListener(halfOpen.Listener!);
        forged.Send(TcpFlags.Ack, seq: 6, ack: synAck.Sequence + 12_345);
        Assert.Equal(TcpFlags.Rst, forged.ExpectSingle().Flags);
        Assert.Equal(1, h.Stack.Tcp.GetCounters().SynCookiesRejected);
        Assert.Equal(2, h.Stack.Tcp.ConnectionCount);
    }

    // ---- Half-close (RFC 9293 3.6) ------------------------------------------------------------------------------------

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Half_close_lets_the_other_direction_go_on(bool clientShutsDownFirst)
    {
        using var h = TcpHarness.Pair();
        TcpListener listener = h.B.Tcp.Listen(7);
        TcpConnection client = h.A!.Tcp.Connect(TcpHarness.IpB, 7);
        h.Run();
        Assert.True(listener.TryAccept(out TcpConnection? server));
        TcpConnection first = clientShutsDownFirst ? client : server;
        TcpConnection second = clientShutsDownFirst ? server : client;

        byte[] request = TcpSegments.Pattern(10_000, 1);
        Assert.Equal(request.Length, first.Send(request));
        first.Shutdown();
        h.Run();
        Assert.Equal(request, ReadAll(h, second, request.Length));
        h.Advance(TimeSpan.FromMilliseconds(50)); // the ACK of the FIN may wait for the delayed-ACK timer
        Assert.True(second.IsReceiveFinished);
        Assert.Equal(TcpState.CloseWait, second.State);
        Assert.Equal(TcpState.FinWait2, first.State);

        // More than a send buffer the other way, after the first side has stopped sending.
        byte[] response = TcpSegments.Pattern(600_000, 2);
        int sent = 0;
        var received = new List<byte>();
        var buffer = new byte[65536];
        for (int round = 0; round < 10_000 && received.Count < response.Length; round++)
        {
            sent += second.Send(response.AsSpan(sent));
            h.Advance(TimeSpan.FromMilliseconds(1));
            int n;
            while ((n = first.Receive(buffer)) > 0) received.AddRange(buffer.AsSpan(0, n).ToArray());
        }
        Assert.Equal(response, received.ToArray());
        Assert.False(first.IsReceiveFinished);
        second.Shutdown();
        h.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(0, first.Receive(buffer));
        Assert.True(first.IsReceiveFinished);
        Assert.Equal(TcpState.TimeWait, first.State);
        Assert.Equal(TcpState.Closed, second.State);
        Assert.Equal(TcpError.None, second.Error);
    }

    private static byte[] ReadAll(TcpHarness h, TcpConnection connection, int count)
    {
        var bytes = new byte[count];
        int read = 0;
        for (int round = 0; round < 1000 && read < count; round++)
        {
            read += connection.Receive(bytes.AsSpan(read));
            h.Run();
        }
        Assert.Equal(count, read);
        return bytes;
    }

    [Fact]
    public void Close_with_unread_data_resets_the_peer_like_linux()
    {
        using var h = TcpHarness.Pair();
        TcpListener listener = h.B.Tcp.Listen(7);
        TcpConnection client = h.A!.Tcp.Connect(TcpHarness.IpB, 7);
        h.Run();
        Assert.True(listener.TryAccept(out TcpConnection? server));
        TcpError clientError = TcpError.None;
        client.Closed = c => clientError = c.Error;
        client.Send(new byte[100]);
        h.Run();
        server.Close();
        h.Run();
        Assert.Equal(TcpError.Reset, clientError);
        Assert.Equal(0, h.A.Tcp.ConnectionCount);
        Assert.Equal(0, h.B.Tcp.ConnectionCount);
    }

    [Fact]
    public void Abort_sends_a_reset_and_reports_aborted()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        TcpConnection connection = p.OpenPassive();
        connection.Abort();
        Segment reset = p.ExpectSingle();
        Assert.True(reset.Has(TcpFlags.Rst), reset.ToString());
        Assert.Equal(p.StackNext, reset.Sequence);
        Assert.Equal((1, TcpError.Aborted), (p.ClosedCalls, p.ErrorWhenClosed));
        Assert.Equal(0, h.Stack.Tcp.ConnectionCount);
    }

    [Fact]
    public void Connect_completes_with_the_connected_callback()
    {
        using var h = TcpHarness.RawPeer();
        var p = new RawTcpPeer(h);
        p.ConnectToSynSent();
        int connected = 0;
        p.Connection!.Connected = _ => connected++;
        p.SendSynAck();
        p.ExpectSingle();
        Assert.Equal(1, connected);
        Assert.Equal(TcpState.Established, p.Connection.State);
        Assert.Equal(1, h.Stack.Tcp.GetCounters().ActiveOpens);
    }

    [Fact]
    public void Stop_aborts_every_connection_and_returns_every_frame()
    {
        using var h = TcpHarness.Pair();
        TcpListener listener = h.B.Tcp.Listen(7);
        var errors = new List<TcpError>();
        for (int i = 0; i < 10; i++)
        {
            TcpConnection client = h.A!.Tcp.Connect(TcpHarness.IpB, 7);
            client.Closed = c => errors.Add(c.Error);
            client.Send(new byte[5000]);
        }
        h.Run();
        Assert.Equal(10, listener.PendingAccepts);
        h.AssertAllFramesReturned();
        Assert.Equal(Enumerable.Repeat(TcpError.StackStopped, 10), errors);
    }
}
