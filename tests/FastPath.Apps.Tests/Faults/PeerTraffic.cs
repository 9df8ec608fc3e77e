using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Faults;

/// <summary>
/// Traffic from the kernel in a lab namespace towards the command under fault, running until disposed, so a
/// signal lands mid-traffic: frames in the rings, replies being sent. Errors (the command gone, a refused
/// connection) are expected and ignored: the traffic only has to be there.
/// </summary>
internal sealed class PeerTraffic : IDisposable
{
    private const int DatagramsPerMillisecond = 50;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = [];
    private readonly List<Socket> _sockets = [];
    private readonly List<Process> _processes = [];

    private PeerTraffic()
    {
    }

    /// <summary>UDP datagrams of 64 bytes from the peer namespace to <paramref name="destination"/> (a multicast group leaves by the peer's interface).</summary>
    public static PeerTraffic Udp(string ns, IPEndPoint destination, IPAddress peerAddress)
    {
        var traffic = new PeerTraffic();
        Socket socket = Fanout.InNamespace.Run(ns, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        if (IsMulticast(destination.Address))
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, peerAddress.GetAddressBytes());
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 1);
        }
        traffic._sockets.Add(socket);
        traffic.Run("udp flood", token =>
        {
            byte[] payload = new byte[64];
            while (!token.IsCancellationRequested)
            {
                for (int i = 0; i < DatagramsPerMillisecond; i++)
                {
                    try
                    {
                        socket.SendTo(payload, destination);
                    }
                    catch (SocketException)
                    {
                        // No buffer space, no neighbour yet: the next one may pass.
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                }
                Thread.Sleep(1);
            }
        });
        return traffic;
    }

    /// <summary>iputils ping from the peer namespace, a request every 5 ms.</summary>
    public static PeerTraffic Ping(NetLab lab)
    {
        var traffic = new PeerTraffic();
        string ping = Requirements.Tool("ping", "iputils-ping");
        var start = new ProcessStartInfo(Requirements.Tool("ip", "iproute2"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["netns", "exec", lab.Namespace, ping, "-q", "-i", "0.005", lab.LocalIp.ToString()]) start.ArgumentList.Add(argument);
        Process process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        traffic._processes.Add(process);
        return traffic;
    }

    /// <summary>
    /// <paramref name="clients"/> kernel TCP clients in <paramref name="ns"/>, each connecting to
    /// <paramref name="server"/> again and again and streaming 64 KiB chunks that the echo sends back.
    /// </summary>
    public static PeerTraffic TcpClients(string ns, IPEndPoint server, int clients)
    {
        var traffic = new PeerTraffic();
        for (int i = 0; i < clients; i++)
        {
            traffic.Run($"tcp client {i}", token =>
            {
                byte[] chunk = new byte[64 * 1024];
                while (!token.IsCancellationRequested)
                {
                    Socket socket = Fanout.InNamespace.Run(ns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
                    {
                        ReceiveTimeout = 2000,
                        SendTimeout = 2000,
                    });
                    lock (traffic._sockets) traffic._sockets.Add(socket);
                    try
                    {
                        using var connectLimit = CancellationTokenSource.CreateLinkedTokenSource(token);
                        connectLimit.CancelAfter(TimeSpan.FromSeconds(2));
                        socket.ConnectAsync(server, connectLimit.Token).AsTask().GetAwaiter().GetResult();
                        while (!token.IsCancellationRequested)
                        {
                            socket.Send(chunk);
                            for (int read = 0; read < chunk.Length;)
                            {
                                int n = socket.Receive(chunk, read, chunk.Length - read, SocketFlags.None);
                                if (n == 0) break;
                                read += n;
                            }
                        }
                    }
                    catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
                    {
                        // The echo is gone or not there yet: try again shortly.
                        token.WaitHandle.WaitOne(100);
                    }
                    finally
                    {
                        lock (traffic._sockets) traffic._sockets.Remove(socket);
                        socket.Dispose();
                    }
                }
            });
        }
        return traffic;
    }

    public void Dispose()
    {
        _stop.Cancel();
        lock (_sockets)
        {
            foreach (Socket socket in _sockets) socket.Dispose();
        }
        foreach (Process process in _processes)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
            process.Dispose();
        }
        foreach (Thread thread in _threads) thread.Join(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private void Run(string name, Action<CancellationToken> body)
    {
        CancellationToken token = _stop.Token;
        var thread = new Thread(() => body(token)) { IsBackground = true, Name = name };
        _threads.Add(thread);
        thread.Start();
    }

    private static bool IsMulticast(IPAddress address) => (address.GetAddressBytes()[0] & 0xF0) == 0xE0;
}

/// <summary>A kernel TCP echo server (RFC 862) in a namespace; Dispose closes every connection at once.</summary>
internal sealed class KernelEchoServer : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _connections = [];
    private readonly List<Thread> _threads = [];
    private long _bytesEchoed;

    /// <summary>Bytes sent back so far, over every connection.</summary>
    public long BytesEchoed => Interlocked.Read(ref _bytesEchoed);

    public KernelEchoServer(string ns, IPEndPoint endpoint)
    {
        _listener = Fanout.InNamespace.Run(ns, () =>
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(endpoint);
            listener.Listen(64);
            return listener;
        });
        Start(AcceptLoop, "kernel echo accept");
    }

    public void Dispose()
    {
        _listener.Dispose();
        lock (_connections)
        {
            foreach (Socket connection in _connections) connection.Dispose();
        }
        Thread[] threads;
        lock (_threads) threads = [.. _threads];
        foreach (Thread thread in threads) thread.Join(TimeSpan.FromSeconds(10));
    }

    private void AcceptLoop()
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (_connections) _connections.Add(connection);
            Start(() => Echo(connection), "kernel echo connection");
        }
    }

    private void Echo(Socket connection)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = connection.Receive(buffer)) > 0)
            {
                for (int sent = 0; sent < read;) sent += connection.Send(buffer, sent, read - sent, SocketFlags.None);
                Interlocked.Add(ref _bytesEchoed, read);
            }
            connection.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The client vanished or the test ended.
        }
    }

    private void Start(ThreadStart body, string name)
    {
        var thread = new Thread(body) { IsBackground = true, Name = name };
        lock (_threads) _threads.Add(thread);
        thread.Start();
    }
}
