using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;

namespace FastPath.Engine.Tests.Tcp;

/// <summary>The core's own checks of a handshake between two stacks (the state-machine suite covers the rest).</summary>
public class TcpCoreHandshakeTests
{
    [Fact]
    public void Two_stacks_connect_and_the_listener_queues_the_connection()
    {
        using var h = TcpHarness.Pair();
        TcpListener listener = h.B.Tcp.Listen(7);
        TcpConnection client = h.A!.Tcp.Connect(TcpHarness.IpB, 7);
        h.Run();
        var a = h.A.Stack.GetCounters();
        var b = h.B.Stack.GetCounters();
        Assert.True(client.State == TcpState.Established,
            $"client {client.State}; A drops {a.ToJson()} B drops {b.ToJson()} tcpA sent {h.A.Tcp.GetCounters().SegmentsSent} recv {h.A.Tcp.GetCounters().SegmentsReceived} tcpB sent {h.B.Tcp.GetCounters().SegmentsSent} recv {h.B.Tcp.GetCounters().SegmentsReceived}");
        Assert.Equal(1, listener.PendingAccepts);
        Assert.True(listener.TryAccept(out TcpConnection? server));
        Assert.Equal(TcpState.Established, server.State);
        Assert.Equal(client.LocalPort, server.RemotePort);
    }
}
