using System.Diagnostics;
using System.Net.Sockets;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.Faults;

/// <summary>
/// The port's interface goes down for about two seconds and comes back while a kernel sender in the peer
/// namespace and the port itself both send: the port reports the outage and the return, traffic resumes both
/// ways on the same port (no reopen), and every frame is accounted for by a counter that says why.
/// </summary>
/// <remarks>
/// What Linux 6.18 does on veth (found by experiment, the same for AF_XDP native and generic and for
/// AF_PACKET): the socket survives the down, stays bound, and the XDP program stays attached; sendto fails
/// with ENETDOWN and the TX descriptors stay queued, to leave with the first kick after the up; RX resumes
/// by itself and the fill ring needs no refilling (the frames given to the kernel stay given). The peer's
/// kernel, whose veth has no carrier while ours is down, drops what it sends (its tx_dropped).
/// </remarks>
[Collection(DriverFaultCollection.Name)]
public sealed class LinkDownUpTests
{
    private static readonly TimeSpan Before = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(2);
    private const int ResumedEnough = 200;

    [Theory]
    [InlineData(FaultDriver.AfXdpNative)]
    [InlineData(FaultDriver.AfXdpGeneric)]
    [InlineData(FaultDriver.AfPacket)]
    public void A_link_down_and_up_under_traffic_is_reported_and_traffic_resumes_both_ways(FaultDriver driver)
    {
        using var lab = NetLab.Create();
        Socket peer = lab.OpenPeerUdp(7200);
        using IPacketPort port = FaultLab.Open(driver, lab, ringSize: 256, frameCount: 2048);
        // A fresh veth reports carrier (IFF_RUNNING) up to a second after it is up: start from an up link.
        FaultLab.WaitUntil(() => port.CheckLink().State == LinkState.Up, () => $"the new link is {port.Link}");
        LinkCounters peerBefore = FaultLab.PeerCounters(lab);
        LinkCounters localBefore = FaultLab.LocalCounters(lab);
        using var sender = new PeerSender(peer, lab.LocalEndPoint(9000));

        byte[] frame = FaultLab.UdpToPeer(lab);
        var burst = new Packet[8];
        var received = new Packet[64];
        int staged = 0;
        var states = new List<LinkState> { port.CheckLink().State };
        long rxAfterUp = 0;
        long txAfterUp = 0;
        bool wentDown = false;
        bool cameBack = false;
        var clock = Stopwatch.StartNew();
        Stopwatch? outage = null;
        while (!(cameBack && states[^1] == LinkState.Up && rxAfterUp >= ResumedEnough && txAfterUp >= ResumedEnough))
        {
            if (!wentDown && clock.Elapsed >= Before)
            {
                FaultLab.SetLink(lab.LocalInterface, up: false);
                wentDown = true;
                outage = Stopwatch.StartNew();
            }
            else if (wentDown && !cameBack && outage!.Elapsed >= Outage)
            {
                FaultLab.SetLink(lab.LocalInterface, up: true);
                cameBack = true;
            }

            staged = FaultLab.Stage(port, frame, burst, staged, burst.Length);
            int taken = port.Transmit(burst.AsSpan(0, staged));
            burst.AsSpan(taken, staged - taken).CopyTo(burst);
            staged -= taken;
            port.Flush();
            int got = port.Receive(received);
            port.Pool.Free(received.AsSpan(0, got));

            // The test's monitor: what any thread sees, at most every 100 ms.
            LinkState state = port.CheckLink().State;
            if (state != states[^1]) states.Add(state);
            if (cameBack && state == LinkState.Up)
            {
                rxAfterUp += got;
                txAfterUp += taken;
            }
            Thread.Sleep(1);
            if (clock.Elapsed > FaultLab.Patience)
                Assert.Fail($"traffic did not resume: states {string.Join(" -> ", states)}, rx after up {rxAfterUp}, tx after up {txAfterUp}, {port.Stats}");
        }
        sender.Dispose();
        port.Pool.Free(burst.AsSpan(0, staged));
        FaultLab.DrainTransmit(port);

        // Settle: everything in flight arrives, then the books must balance.
        FaultLab.WaitUntil(() =>
        {
            FaultLab.ReceiveAndFree(port, received);
            LinkCounters p = FaultLab.PeerCounters(lab) - peerBefore;
            LinkCounters l = FaultLab.LocalCounters(lab) - localBefore;
            PortStats s = port.Stats;
            return p.RxPackets + l.TxDropped >= s.TxPackets && s.RxPackets + s.RxDropped >= p.TxPackets;
        }, () => $"books: {port.Stats}, peer {FaultLab.PeerCounters(lab) - peerBefore}, local {FaultLab.LocalCounters(lab) - localBefore}");
        Thread.Sleep(200);
        FaultLab.ReceiveAndFree(port, received);
        LinkCounters peerDelta = FaultLab.PeerCounters(lab) - peerBefore;
        LinkCounters localDelta = FaultLab.LocalCounters(lab) - localBefore;
        PortStats stats = port.Stats;
        PortLink link = port.Link;
        FaultLab.Log($"{driver} ({port.Info.Mode}): down {Outage.TotalSeconds:F1} s (port measured {link.LastOutage.TotalSeconds:F2} s); states {string.Join(" -> ", states)}; "
            + $"peer sendto calls {sender.Sent} (errors {sender.Errors}); peer {peerDelta}; local {localDelta}; port {stats}; rx after up {rxAfterUp}, tx after up {txAfterUp}");

        Assert.Equal([LinkState.Up, LinkState.Down, LinkState.Up], states);
        Assert.Equal(1, stats.LinkDowns);
        Assert.Equal(1, link.Downs);
        Assert.True(link.LastOutage > TimeSpan.Zero, "the outage's length is known");
        // Ours: every frame the port took reached the peer, or the local interface counted it dropped.
        Assert.Equal(stats.TxPackets, peerDelta.RxPackets + localDelta.TxDropped);
        // The peer's: every frame its interface sent was received or dropped for a counted reason (the fill
        // ring was empty); what it could not send while our end was down its own interface counted (tx_dropped).
        Assert.Equal(peerDelta.TxPackets, stats.RxPackets + stats.RxDropped);
        Assert.True(peerDelta.TxDropped > 0, "the peer's kernel kept sending during the outage and counted its drops");
        Assert.True(stats.TxLinkDown > 0, "the port's kicks during the outage were refused (ENETDOWN)");
        FaultLab.AssertPoolAccounts(port);

        // Idle after the outage, a worker's wait sleeps again: AF_PACKET's socket was left with sk_err =
        // ENETDOWN (packet_notifier), which makes poll report POLLERR at once until something reads it.
        var waitable = (FastPath.Engine.Runtime.IWaitablePort)port;
        bool firstWait = waitable.WaitForReceive(0);
        Assert.False(waitable.WaitForReceive(100), $"an idle port's wait returns at once (first wait said {firstWait})");
    }
}

/// <summary>A kernel UDP sender in the peer namespace: ten datagrams a millisecond until disposed.</summary>
internal sealed class PeerSender : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _sent;
    private long _errors;

    public PeerSender(Socket socket, System.Net.EndPoint destination)
    {
        byte[] payload = new byte[18];
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                for (int i = 0; i < 10; i++)
                {
                    try
                    {
                        socket.SendTo(payload, destination);
                        Interlocked.Increment(ref _sent);
                    }
                    catch (SocketException)
                    {
                        Interlocked.Increment(ref _errors); // ENOBUFS and the like while the link is down
                    }
                }
                Thread.Sleep(1);
            }
        })
        { IsBackground = true, Name = "peer sender" };
        _thread.Start();
    }

    public long Sent => Interlocked.Read(ref _sent);

    public long Errors => Interlocked.Read(ref _errors);

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
