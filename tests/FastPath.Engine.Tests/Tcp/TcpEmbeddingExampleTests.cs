using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Tests.Tcp;

/// <summary>The README's "TCP for embedders" example (the text between the markers), run between two stacks.</summary>
public class TcpEmbeddingExampleTests
{
    // <tcp-example>
    /// <summary>An echo service: every byte goes back; a full send buffer stops the reading (back-pressure).</summary>
    public static TcpListener ServeEcho(NetworkStack stack, ushort port)
    {
        TcpListener listener = stack.Tcp.Listen(port, reuseAddress: true);
        listener.Accepted = connection =>
        {
            var buffer = new byte[16 * 1024];
            int offset = 0, pending = 0;
            void Pump(TcpConnection c)
            {
                while (true)
                {
                    if (pending > 0)
                    {
                        int taken = c.Send(buffer.AsSpan(offset, pending)); // what fits in the send buffer
                        offset += taken;
                        pending -= taken;
                        if (pending > 0) return;                             // SendSpaceAvailable calls Pump again
                    }
                    offset = 0;
                    pending = c.Receive(buffer);                             // unread data closes our window
                    if (pending == 0) break;
                }
                if (c.IsReceiveFinished) c.Shutdown();                       // the client's FIN: ours after the echo
            }
            connection.DataReceived = Pump;
            connection.SendSpaceAvailable = Pump;
            connection.Closed = c => c.Close();                              // give the object back to the stack
        };
        return listener;
    }

    /// <summary>A client: sends the request, half-closes, collects the echo until the server's FIN.</summary>
    public static TcpConnection Request(NetworkStack stack, Ipv4Address server, ushort port, byte[] request,
        Action<byte[], TcpConnectionStatistics> done)
    {
        TcpConnection connection = stack.Tcp.Connect(server, port);          // the SYN leaves now
        var response = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int sent = 0;
        void SendMore(TcpConnection c)
        {
            if (sent < request.Length) sent += c.Send(request.AsSpan(sent)); // may take less: back-pressure
            if (sent == request.Length) c.Shutdown();                        // half-close, still receiving
        }
        connection.Connected = SendMore;
        connection.SendSpaceAvailable = SendMore;
        connection.DataReceived = c =>
        {
            int n;
            while ((n = c.Receive(buffer)) > 0) response.Write(buffer, 0, n);
            if (!c.IsReceiveFinished) return;
            done(response.ToArray(), c.GetStatistics());                     // RTT, cwnd, retransmissions...
            c.Close();
        };
        connection.Closed = c =>
        {
            if (c.Error != TcpError.None) throw new IOException($"echo failed: {c.Error}"); // Refused, Reset, TimedOut...
        };
        return connection;
    }
    // </tcp-example>

    [Fact]
    public void The_tcp_echo_example_echoes_a_megabyte_through_small_buffers()
    {
        // Small buffers on both sides so that back-pressure is exercised, not just described.
        var small = new TcpOptions { SendBufferSize = 16 * 1024, ReceiveBufferSize = 16 * 1024 };
        using var h = TcpHarness.Pair(tcpA: small, tcpB: small);
        ServeEcho(h.B.Stack, 7);
        byte[] request = TcpSegments.Pattern(1 << 20, 9);
        byte[]? echoed = null;
        TcpConnectionStatistics statistics = default;
        Request(h.A!.Stack, TcpHarness.IpB, 7, request, (bytes, stats) => (echoed, statistics) = (bytes, stats));
        for (int i = 0; i < 100_000 && echoed is null; i++) h.Advance(TimeSpan.FromMilliseconds(1));

        Assert.NotNull(echoed);
        Assert.Equal(request, echoed);
        Assert.Equal(request.Length, statistics.BytesAcked);
        Assert.True(statistics.SegmentsSent > 0 && statistics.SendMss > 0 && statistics.CongestionWindow > 0, statistics.ToString());
        TcpCountersSnapshot server = h.B.Tcp.GetCounters();
        Assert.Equal((1, 0L), (server.PassiveOpens, server.ResetsSent));
        // The client half-closed first: it waits in TIME_WAIT (2 MSL, 60 s), the server goes LAST_ACK -> CLOSED.
        h.Advance(TimeSpan.FromSeconds(61), TimeSpan.FromMilliseconds(100));
        Assert.Equal((0, 0), (h.A.Tcp.ConnectionCount, h.B.Tcp.ConnectionCount));
        h.AssertAllFramesReturned();
    }
}
