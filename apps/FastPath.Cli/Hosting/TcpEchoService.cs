using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;

namespace FastPath.Cli.Hosting;

/// <summary>
/// TCP echo (RFC 862) on one worker's stack: every byte a connection receives goes back on it. The echo
/// never reads more than the send buffer can take, so a client that does not read stalls its own sending
/// (its window closes) instead of growing a queue here. When the client half-closes and everything it sent
/// has been handed back, the connection is closed from our side too.
/// </summary>
/// <remarks>All calls come from the worker's thread; sessions are recycled, so steady-state accepting allocates nothing.</remarks>
internal sealed class TcpEchoService
{
    /// <summary>Bytes moved per Receive/Send pair; the worker's one scratch buffer.</summary>
    private const int ChunkBytes = 64 * 1024;

    private readonly byte[] _chunk = new byte[ChunkBytes];
    private readonly Stack<Session> _idle = new();
    private readonly bool _keepAlive;
    private readonly bool _noDelay;
    private readonly Action<TcpConnection> _accepted;

    public TcpEchoService(NetworkStack stack, ushort port, TcpOptions options)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(options);
        _keepAlive = options.KeepAlive;
        _noDelay = options.NoDelay;
        _accepted = Accept;
        Listener = stack.Tcp.Listen(port);
        Listener.Accepted = _accepted;
    }

    public TcpListener Listener { get; }

    public long Connections { get; private set; }

    public long BytesEchoed { get; private set; }

    /// <summary>Connections that ended with an error, by <see cref="TcpError"/> (index).</summary>
    public long[] Errors { get; } = new long[Enum.GetValues<TcpError>().Length];

    /// <summary>Set when a connection is lost to a timeout (retransmissions or keepalive): told on stderr as it happens.</summary>
    public Action<TcpConnection, TcpError>? Lost { get; init; }

    private void Accept(TcpConnection connection)
    {
        Connections++;
        Session session = _idle.Count > 0 ? _idle.Pop() : new Session(this);
        session.Attach(connection);
        if (_keepAlive) connection.KeepAlive = true;
        if (_noDelay) connection.NoDelay = true;
        // Data (and a FIN) may have come with the handshake's ACK.
        session.Pump();
    }

    private void Recycle(Session session) => _idle.Push(session);

    private sealed class Session
    {
        private readonly TcpEchoService _service;
        private readonly Action<TcpConnection> _dataReceived;
        private readonly Action<TcpConnection> _closed;
        private TcpConnection? _connection;
        private byte _held;
        private bool _holding;

        public Session(TcpEchoService service)
        {
            _service = service;
            _dataReceived = _ => Pump();
            _closed = OnClosed;
        }

        public void Attach(TcpConnection connection)
        {
            _connection = connection;
            _holding = false;
            connection.DataReceived = _dataReceived;
            connection.SendSpaceAvailable = _dataReceived;
            connection.Closed = _closed;
        }

        /// <summary>Moves what has arrived into the send buffer, as far as it has room.</summary>
        public void Pump()
        {
            TcpConnection? connection = _connection;
            if (connection is null) return;
            Span<byte> chunk = _service._chunk;
            if (_holding)
            {
                if (connection.Send(new ReadOnlySpan<byte>(in _held)) == 0) return;
                _holding = false;
                _service.BytesEchoed++;
            }
            while (connection.Available > 0)
            {
                int room = connection.SendSpace;
                if (room == 0)
                {
                    // The send buffer is full and nothing has been offered that it refused, so no
                    // SendSpaceAvailable is due. One byte read and offered is refused, which arms it; the
                    // byte waits here, the rest stays in the receive buffer and the client's window closes.
                    int read = connection.Receive(new Span<byte>(ref _held));
                    if (read == 0) break;
                    if (connection.Send(new ReadOnlySpan<byte>(in _held)) == 0)
                    {
                        _holding = true;
                        return;
                    }
                    _service.BytesEchoed++;
                    continue;
                }
                int received = connection.Receive(chunk[..Math.Min(room, chunk.Length)]);
                if (received == 0) break;
                int sent = connection.Send(chunk[..received]);
                _service.BytesEchoed += sent;
                if (sent < received) ThrowSendTookLess(received, sent);
            }
            if (connection.IsReceiveFinished && connection.Available == 0)
            {
                // The client half-closed and every byte it sent is in our send buffer: our FIN follows it.
                // The stack owns the connection from here on (it finishes the close and recycles it).
                Detach(connection);
                connection.Close();
            }
        }

        private void OnClosed(TcpConnection connection)
        {
            if (!ReferenceEquals(connection, _connection)) return;
            TcpError error = connection.Error;
            if (error != TcpError.None)
            {
                _service.Errors[(int)error]++;
                if (error is TcpError.TimedOut or TcpError.KeepaliveTimedOut) _service.Lost?.Invoke(connection, error);
            }
            Detach(connection);
            // Hands the connection back to the stack (CLOSED: to its pool; TIME_WAIT: to the timer).
            connection.Close();
        }

        private void Detach(TcpConnection connection)
        {
            connection.DataReceived = null;
            connection.SendSpaceAvailable = null;
            connection.Closed = null;
            _connection = null;
            _holding = false;
            _service.Recycle(this);
        }

        private static void ThrowSendTookLess(int offered, int taken) =>
            throw new InvalidOperationException($"TCP send took {taken} of {offered} bytes although SendSpace said they fit");
    }
}
