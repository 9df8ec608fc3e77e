using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;
using FastPath.Engine.Tests.Stack;
using FastPath.Engine.Tests.Tcp;
using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Hardening;

/// <summary>
/// A SYN flood from random off-link sources and ports at a million SYNs a virtual second against a listener
/// with the default backlog, while a second stack keeps connecting to it, echoing data and closing. The
/// backlog fills with the flood's first SYNs and stays full; every later SYN, the real clients' included, is
/// answered with a SYN cookie, and the real clients' cookies come back and open their connections. The
/// connection table never holds more than the backlog and the real connections, and memory stays flat.
/// </summary>
[Collection(nameof(FloodCollection))]
public class SynFloodTests(ITestOutputHelper output)
{
    private const ushort ServicePort = 80;
    private const long Rate = 1_000_000;
    private const int ClientEvery = 20_000;
    private const int ClientBytes = 16 * 1024;
    private static readonly Ipv4Address RouterIp = Ipv4Address.Parse("10.0.0.254");
    private static readonly MacAddress RouterMac = MacAddress.Parse("02:00:00:00:00:fe");

    [Fact]
    public void A_syn_flood_is_answered_with_cookies_while_real_clients_connect_and_get_their_bytes_echoed()
    {
        var report = new FloodReport(output, "syn flood");
        var clock = new ManualClock(1_000_000_000);
        var (wireA, wireB) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 8192, RingSize = 2048, MacA = Frames.HostA, MacB = Frames.HostB });
        using var client = new TcpHarness.Endpoint(wireA, null, clock, new NetworkStack(TcpHarness.Config(TcpHarness.IpA, null)));
        // The server routes off-link replies (the flood's SYN-ACKs) through a router that is not the client.
        using var server = new TcpHarness.Endpoint(wireB, null, clock, new NetworkStack(new InterfaceConfig
        {
            Address = new Ipv4Cidr(TcpHarness.IpB, 24),
            Gateway = RouterIp,
            GratuitousArp = false,
        }));
        client.Stack.Start(client.Context);
        server.Stack.Start(server.Context);
        TcpOptions options = server.Stack.Config.Tcp;
        TcpListener listener = server.Tcp.Listen(ServicePort);
        var echo = new EchoPair(listener, client.Tcp, TcpHarness.IpB, ServicePort, StackFrames.Pattern(ClientBytes, seed: 7));

        int mostConnections = 0, mostHalfOpen = 0;
        void Settle()
        {
            for (int loop = 0; loop < 10_000; loop++)
            {
                if (!(server.Step() | client.Step())) return;
            }
            throw new InvalidOperationException("the stacks kept exchanging frames without time passing");
        }
        var flood = new FloodInjector(wireA, clock, () =>
        {
            Settle();
            mostConnections = Math.Max(mostConnections, server.Tcp.ConnectionCount);
            mostHalfOpen = Math.Max(mostHalfOpen, listener.HalfOpen);
        });

        byte[] syn = Frames.TcpSyn(destinationPort: ServicePort);
        FloodFrameWriter write = (frame, index) =>
        {
            int length = FloodFrames.Copy(frame, syn);
            uint random = FloodFrames.Scatter(index);
            // 100.64.0.0/10 (shared address space: never on this link, never a broadcast or group), any port above 1023.
            FloodFrames.SetIpv4Source(frame, 0x6440_0000u | (random & 0x003F_FFFF));
            FloodFrames.SetTcp(frame, (ushort)(1024 + (FloodFrames.Scatter(index, 0x5bd1e995) % 64512)), random);
            return length;
        };

        // The first flood SYN makes the server ask for the router; the router answers, as a real one would.
        flood.Flood(0, 1, Rate, write);
        flood.SendTogether([StackFrames.Arp(ArpOperation.Reply, RouterMac, RouterIp, Frames.HostB, TcpHarness.IpB, Frames.HostB)]);

        long clientAt = ClientEvery;
        Action<long> clients = next =>
        {
            if (next < clientAt) return;
            clientAt += ClientEvery;
            echo.StartNext();
        };
        const long warmUp = 100_000, total = 1_000_000;
        flood.Flood(1, warmUp - 1, Rate, write, clients);
        report.StartMeasuring();
        flood.Flood(warmUp, total - warmUp, Rate, write, clients);
        // The last client finishes; nothing else arrives.
        for (int i = 0; i < 100 && !echo.Idle; i++)
        {
            clock.AdvanceNanoseconds(1_000_000);
            Settle();
        }
        // The real clients allocate (each waits in TIME_WAIT with its own connection object): about 1 KB each. A
        // flood SYN that cost even a quarter of a byte would pass the budget; the flood itself allocates nothing.
        report.AssertMemoryFlat(allocationBudget: 224 * 1024, heapBudget: 224 * 1024);

        TcpCountersSnapshot tcp = server.Tcp.GetCounters();
        StackCountersSnapshot stack = server.Stack.GetCounters();
        report.Log($"{total} SYNs at {Rate}/s from random sources: backlog at most {mostHalfOpen}/{options.SynBacklog}, "
            + $"table at most {mostConnections}; {tcp.SynCookiesSent} cookies sent, {tcp.SynCookiesAccepted} accepted; "
            + $"{echo.Started} real clients, {echo.Completed} completed with {echo.BytesEchoed} bytes echoed and verified; "
            + $"listen overflows {tcp.ListenOverflows}, drops {stack.DropsTotal}");
        Assert.Equal(options.SynBacklog, mostHalfOpen);
        // The backlog, the real connection and the one before it still closing.
        Assert.InRange(mostConnections, options.SynBacklog, options.SynBacklog + 2);
        Assert.Equal(total / ClientEvery, echo.Started);
        Assert.Equal(echo.Started, echo.Completed);
        Assert.Equal(0, echo.Failures);
        Assert.Equal((long)echo.Completed * ClientBytes, echo.BytesEchoed);
        // Every client closed first and waits in TIME_WAIT; every server side is gone: only the flood's half-open remain.
        Assert.All(echo.Clients, connection => Assert.Equal(TcpState.TimeWait, connection.State));
        Assert.Equal(echo.Started, client.Tcp.ConnectionCount);
        Assert.Equal(listener.HalfOpen, server.Tcp.ConnectionCount);
        // The flood's first SYNs filled the backlog; every other SYN, the clients' too, got a cookie, and only the clients' came back.
        Assert.Equal(total - options.SynBacklog + echo.Started, tcp.SynCookiesSent);
        Assert.Equal(echo.Started, tcp.SynCookiesAccepted);
        Assert.Equal(options.SynBacklog + echo.Started, tcp.PassiveOpens);
        Assert.Equal(0, tcp.SynCookiesRejected);
        Assert.Equal((0L, 0L), (tcp.ListenOverflows, tcp.ListenDrops));
        Assert.Equal(0, stack.Dropped(StackDropReason.TcpListenOverflow));
        Assert.Equal(0, stack.DropsTotal);

        // The half-open flood connections give up after their SYN-ACK retries, the clients' TIME_WAITs end: all empty.
        for (int i = 0; i < 1500; i++)
        {
            clock.AdvanceNanoseconds(100_000_000);
            Settle();
        }
        Assert.Equal(0, server.Tcp.ConnectionCount);
        Assert.Equal(0, client.Tcp.ConnectionCount);
        Assert.Equal(0, listener.HalfOpen);
        Assert.Equal(options.SynBacklog, server.Tcp.GetCounters().AttemptFails);
        client.Stop();
        server.Stop();
        for (int i = 0; i < 4; i++)
        {
            client.DrainAfterStop();
            server.DrainAfterStop();
        }
        client.AssertPoolFull();
        server.AssertPoolFull();
        report.AssertFinishedWithin(TimeSpan.FromSeconds(120));
    }

    /// <summary>
    /// One real client at a time: connects, sends a pattern, reads the echo back and checks it, closes; the
    /// server side echoes what it reads and closes after the client's FIN. Delegates are made once.
    /// </summary>
    private sealed class EchoPair
    {
        private readonly TcpSockets _clients;
        private readonly Ipv4Address _server;
        private readonly ushort _port;
        private readonly byte[] _data;
        private readonly byte[] _buffer = new byte[64 * 1024];
        private readonly Action<TcpConnection> _connected, _clientData, _closedByError;
        private readonly Action<TcpConnection> _serverData;
        private readonly TcpConnection[] _started = new TcpConnection[64];
        private int _sent, _echoed;
        private bool _clientDone = true, _serverDone = true;

        public EchoPair(TcpListener listener, TcpSockets clients, Ipv4Address server, ushort port, byte[] data)
        {
            _clients = clients;
            _server = server;
            _port = port;
            _data = data;
            _connected = OnConnected;
            _clientData = OnClientData;
            _closedByError = OnClosedByError;
            _serverData = OnServerData;
            listener.Accepted = OnAccepted;
        }

        public int Started { get; private set; }
        public int Completed { get; private set; }
        public int Failures { get; private set; }
        public long BytesEchoed { get; private set; }
        public bool Idle => _clientDone && _serverDone;

        public TcpConnection[] Clients => _started[..Started];

        public void StartNext()
        {
            // The previous client must be done by now: 20 ms of virtual time is hundreds of round trips here.
            if (!Idle) Failures++;
            _clientDone = _serverDone = false;
            _sent = _echoed = 0;
            TcpConnection connection = _clients.Connect(_server, _port);
            _started[Started++] = connection;
            connection.Connected = _connected;
            connection.DataReceived = _clientData;
            connection.SendSpaceAvailable = _connected;
            // Closed is called only for a connection the application has not closed itself: here, an error.
            connection.Closed = _closedByError;
        }

        private void OnAccepted(TcpConnection connection)
        {
            connection.DataReceived = _serverData;
            connection.Closed = _closedByError;
            OnServerData(connection);
        }

        private void OnConnected(TcpConnection connection)
        {
            if (_sent < _data.Length) _sent += connection.Send(_data.AsSpan(_sent));
        }

        private void OnClientData(TcpConnection connection)
        {
            int read;
            while ((read = connection.Receive(_buffer)) > 0)
            {
                if (_echoed + read > _data.Length || !_buffer.AsSpan(0, read).SequenceEqual(_data.AsSpan(_echoed, read))) Failures++;
                _echoed += read;
            }
            if (_echoed == _data.Length && !_clientDone)
            {
                BytesEchoed += _echoed;
                connection.Close();
                Done(ref _clientDone);
            }
        }

        private void OnClosedByError(TcpConnection connection) => Failures++;

        private void Done(ref bool side)
        {
            side = true;
            if (_clientDone && _serverDone) Completed++;
        }

        private void OnServerData(TcpConnection connection)
        {
            int read;
            while (connection.SendSpace > 0 && (read = connection.Receive(_buffer.AsSpan(0, Math.Min(_buffer.Length, connection.SendSpace)))) > 0)
                connection.Send(_buffer.AsSpan(0, read));
            if (connection.IsReceiveFinished && !_serverDone)
            {
                connection.Close();
                Done(ref _serverDone);
            }
        }
    }
}
