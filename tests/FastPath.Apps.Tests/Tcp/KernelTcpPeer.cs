using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using FastPath.TestKit;

namespace FastPath.Apps.Tests.Tcp;

/// <summary>The kernel's TCP in the lab's peer namespace: sockets made there by the test process itself.</summary>
internal static class KernelTcpPeer
{
    public static readonly TimeSpan IoTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A kernel client connected from the peer namespace to <paramref name="server"/>; throws SocketException (ECONNREFUSED...).</summary>
    public static Socket Connect(NetLab lab, IPEndPoint server) => lab.InNamespace(() =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            ReceiveTimeout = (int)IoTimeout.TotalMilliseconds,
            SendTimeout = (int)IoTimeout.TotalMilliseconds,
        };
        try
        {
            socket.Connect(server);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    });

    /// <summary>Sends <paramref name="bytes"/> of <see cref="PatternSource"/> and half-closes, hashing what went out.</summary>
    public static byte[] SendPatternAndShutdown(Socket socket, long bytes, int seed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var source = new PatternSource(seed);
        var chunk = new byte[64 * 1024];
        for (long left = bytes; left > 0;)
        {
            int length = (int)Math.Min(left, chunk.Length);
            source.Fill(chunk.AsSpan(0, length));
            hash.AppendData(chunk, 0, length);
            for (int sent = 0; sent < length;) sent += socket.Send(chunk, sent, length - sent, SocketFlags.None);
            left -= length;
        }
        socket.Shutdown(SocketShutdown.Send);
        return hash.GetHashAndReset();
    }

    /// <summary>Reads until the peer's FIN: byte count and SHA-256 of everything received.</summary>
    public static (long Bytes, byte[] Sha256) ReadToEnd(Socket socket)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = socket.Receive(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }
        return (total, hash.GetHashAndReset());
    }

    /// <summary>SHA-256 of the first <paramref name="bytes"/> bytes of `fastpath tcp connect`'s pattern.</summary>
    public static byte[] TcpConnectPatternSha256(long bytes)
    {
        byte[] pattern = Cli.Hosting.TcpTransfer.CreatePattern();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (long offset = 0; offset < bytes;)
        {
            int length = (int)Math.Min(bytes - offset, Cli.Hosting.TcpTransfer.PatternPeriod);
            hash.AppendData(pattern, 0, length);
            offset += length;
        }
        return hash.GetHashAndReset();
    }
}

/// <summary>Deterministic, non-periodic test bytes (xorshift64*), so a lost, duplicated or reordered segment changes the hash.</summary>
internal sealed class PatternSource(int seed)
{
    private ulong _state = 0x9E3779B97F4A7C15UL ^ (ulong)seed;

    public void Fill(Span<byte> destination)
    {
        int i = 0;
        for (; i + 8 <= destination.Length; i += 8) BitConverter.TryWriteBytes(destination[i..], Next());
        if (i < destination.Length)
        {
            Span<byte> last = stackalloc byte[8];
            BitConverter.TryWriteBytes(last, Next());
            last[..(destination.Length - i)].CopyTo(destination[i..]);
        }
    }

    private ulong Next()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 2685821657736338717UL;
    }
}

/// <summary>
/// A kernel TCP server in the lab's peer namespace, one thread per connection. <see cref="Echo"/> writes
/// back as it reads (RFC 862); <see cref="StoreThenEcho"/> reads to the client's FIN first and only then
/// writes everything back and closes: the kernel keeps sending after the client half-closed;
/// <see cref="Discard"/> (RFC 863) reads to the FIN and closes.
/// </summary>
internal sealed class KernelTcpServer : IDisposable
{
    private readonly Socket _listener;
    private readonly Thread _acceptor;
    private readonly Mode _mode;
    private readonly ConcurrentQueue<Thread> _handlers = new();

    private KernelTcpServer(Socket listener, Mode mode)
    {
        _listener = listener;
        _mode = mode;
        _acceptor = new Thread(AcceptLoop) { IsBackground = true, Name = "kernel tcp server" };
        _acceptor.Start();
    }

    /// <summary>Each finished connection: what arrived before the client's FIN, and what was sent back.</summary>
    public BlockingCollection<ServedConnection> Served { get; } = [];

    private enum Mode
    {
        Echo,
        StoreThenEcho,
        Discard,
    }

    public static KernelTcpServer Echo(NetLab lab, int port) => new(Listen(lab, port), Mode.Echo);

    public static KernelTcpServer StoreThenEcho(NetLab lab, int port) => new(Listen(lab, port), Mode.StoreThenEcho);

    public static KernelTcpServer Discard(NetLab lab, int port) => new(Listen(lab, port), Mode.Discard);

    public ServedConnection Next()
    {
        Assert.True(Served.TryTake(out ServedConnection? served, KernelTcpPeer.IoTimeout * 4), "the kernel server saw no connection end");
        return served!;
    }

    private static Socket Listen(NetLab lab, int port) => lab.InNamespace(() =>
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(lab.PeerEndPoint(port));
            listener.Listen(16);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    });

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
            var handler = new Thread(() => Serve(connection)) { IsBackground = true, Name = "kernel tcp connection" };
            _handlers.Enqueue(handler);
            handler.Start();
        }
    }

    private void Serve(Socket connection)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var record = new ServedConnection();
        try
        {
            connection.ReceiveTimeout = (int)(KernelTcpPeer.IoTimeout * 4).TotalMilliseconds;
            connection.SendTimeout = (int)(KernelTcpPeer.IoTimeout * 4).TotalMilliseconds;
            var buffer = new byte[64 * 1024];
            using var stored = new MemoryStream();
            int read;
            while ((read = connection.Receive(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                record.Received += read;
                if (_mode == Mode.StoreThenEcho) stored.Write(buffer, 0, read);
                if (_mode != Mode.Echo) continue;
                for (int sent = 0; sent < read;) sent += connection.Send(buffer, sent, read - sent, SocketFlags.None);
                record.Sent += read;
            }
            record.SawEndOfStream = true;
            if (_mode == Mode.StoreThenEcho)
            {
                byte[] all = stored.ToArray();
                for (int sent = 0; sent < all.Length;) sent += connection.Send(all, sent, all.Length - sent, SocketFlags.None);
                record.Sent += all.Length;
            }
            connection.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException e)
        {
            record.Failure = e.SocketErrorCode;
        }
        finally
        {
            record.Sha256 = hash.GetHashAndReset();
            connection.Dispose();
            Served.Add(record);
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _acceptor.Join(TimeSpan.FromSeconds(10));
        foreach (Thread handler in _handlers) handler.Join(TimeSpan.FromSeconds(10));
        Served.Dispose();
    }
}

internal sealed class ServedConnection
{
    public long Received { get; set; }

    public long Sent { get; set; }

    /// <summary>The client's FIN was read (every byte before it too) before anything was sent back (store-then-echo) or the last echo.</summary>
    public bool SawEndOfStream { get; set; }

    public SocketError? Failure { get; set; }

    public byte[] Sha256 { get; set; } = [];
}
