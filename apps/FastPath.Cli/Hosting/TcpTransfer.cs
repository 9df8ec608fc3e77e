using FastPath.Engine.Memory;
using FastPath.Engine.Runtime;
using FastPath.Engine.Stack;
using FastPath.Engine.Tcp;
using FastPath.Wire.Ipv4;

namespace FastPath.Cli.Hosting;

/// <summary>
/// One TCP transfer on a worker, for <c>fastpath tcp connect</c>: connects, sends <c>bytes</c> of a fixed
/// pattern, half-closes, and reads until the peer's FIN, checking every byte that comes back against the
/// pattern. An echo server returns the bytes and closes after our FIN; a discard server returns nothing and
/// closes. Wraps the worker's <see cref="NetworkStack"/>: the connection is opened from the first
/// <see cref="Poll"/>, on the worker's thread, once the stack has started.
/// </summary>
internal sealed class TcpTransfer : IWorkerApplication
{
    /// <summary>A prime period, so the pattern never lines up with segment or buffer sizes.</summary>
    internal const int PatternPeriod = 65521;

    private readonly NetworkStack _stack;
    private readonly Ipv4Address _remote;
    private readonly ushort _remotePort;
    private readonly long _bytes;
    private readonly bool _keepAlive;
    private readonly bool _noDelay;
    private readonly byte[] _pattern;
    private readonly byte[] _chunk = new byte[64 * 1024];
    private readonly TaskCompletionSource<TcpTransferResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TcpConnection? _connection;
    private IClock? _clock;
    private bool _started;
    private bool _finished;
    private bool _shutdown;
    private long _sent;
    private long _echoed;
    private long _mismatchAt = -1;
    private long _connectedAt;
    private long _startedAt;

    public TcpTransfer(NetworkStack stack, Ipv4Address remote, ushort remotePort, long bytes, TcpOptions options)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(options);
        _stack = stack;
        _remote = remote;
        _remotePort = remotePort;
        _bytes = bytes;
        _keepAlive = options.KeepAlive;
        _noDelay = options.NoDelay;
        _pattern = CreatePattern();
    }

    /// <summary>
    /// The bytes sent: stream offset i carries <c>pattern[i % PatternPeriod]</c>. Twice the period long, so
    /// the run from any offset to the period's end is one contiguous span.
    /// </summary>
    internal static byte[] CreatePattern()
    {
        var pattern = new byte[PatternPeriod * 2];
        new Random(862).NextBytes(pattern.AsSpan(0, PatternPeriod));
        pattern.AsSpan(0, PatternPeriod).CopyTo(pattern.AsSpan(PatternPeriod));
        return pattern;
    }

    /// <summary>Completes on the worker's thread when the transfer ends, well or not.</summary>
    public Task<TcpTransferResult> Completion => _completion.Task;

    /// <summary>Progress for a timeout message (read racily from another thread: informative only).</summary>
    public (long Sent, long Echoed, TcpState? State) Progress => (Volatile.Read(ref _sent), Volatile.Read(ref _echoed), _connection?.State);

    public void Start(WorkerContext context)
    {
        _stack.Start(context);
        _clock = context.Clock;
        _startedAt = context.Clock.NowNanoseconds;
    }

    public void Receive(Span<Packet> packets) => _stack.Receive(packets);

    public void Poll(long nowNanoseconds)
    {
        _stack.Poll(nowNanoseconds);
        if (_started)
        {
            // Our FIN's ACK is a pure ACK, which calls nothing back: the end is noticed here.
            if (!_finished && _connection is { } open) TryComplete(open);
            return;
        }
        _started = true;
        _startedAt = nowNanoseconds;
        TcpConnection connection;
        try
        {
            connection = _stack.Tcp.Connect(_remote, _remotePort);
        }
        catch (InvalidOperationException e)
        {
            Finish(TcpTransferOutcome.Failed, TcpError.None, e.Message, default);
            return;
        }
        _connection = connection;
        if (_keepAlive) connection.KeepAlive = true;
        if (_noDelay) connection.NoDelay = true;
        connection.Connected = OnConnected;
        connection.SendSpaceAvailable = OnSendSpace;
        connection.DataReceived = OnDataReceived;
        connection.Closed = OnClosed;
    }

    public void Stop()
    {
        // The connection's figures before the stack lets it go: an interrupted or timed-out run reports them too.
        if (!_finished && _connection is { } connection)
            Finish(TcpTransferOutcome.Failed, TcpError.StackStopped, "the worker stopped", connection.GetStatistics());
        _stack.Stop();
        Finish(TcpTransferOutcome.Failed, TcpError.StackStopped, "the worker stopped", default);
    }

    private long Now => _clock?.NowNanoseconds ?? 0;

    private void OnConnected(TcpConnection connection)
    {
        _connectedAt = Now;
        SendMore(connection);
    }

    private void OnSendSpace(TcpConnection connection) => SendMore(connection);

    private void SendMore(TcpConnection connection)
    {
        while (_sent < _bytes)
        {
            int offset = (int)(_sent % PatternPeriod);
            int length = (int)Math.Min(_bytes - _sent, PatternPeriod - offset);
            int taken = connection.Send(_pattern.AsSpan(offset, length));
            Volatile.Write(ref _sent, _sent + taken);
            // Less than offered: SendSpaceAvailable calls back when there is room.
            if (taken < length) return;
        }
        if (!_shutdown)
        {
            _shutdown = true;
            connection.Shutdown();
        }
    }

    private void OnDataReceived(TcpConnection connection)
    {
        ReadAll(connection);
        if (connection.IsReceiveFinished) TryComplete(connection);
    }

    private void ReadAll(TcpConnection connection)
    {
        Span<byte> chunk = _chunk;
        int read;
        while ((read = connection.Receive(chunk)) > 0)
        {
            Verify(chunk[..read]);
            Volatile.Write(ref _echoed, _echoed + read);
        }
    }

    /// <summary>
    /// Done when the peer's FIN is in (every byte before it read) and ours has been acknowledged: TIME_WAIT,
    /// or CLOSED when the peer closed first and acknowledged our FIN (LAST_ACK passed).
    /// </summary>
    private void TryComplete(TcpConnection connection)
    {
        if (_finished || !connection.IsReceiveFinished) return;
        if (!_shutdown)
        {
            // The peer closed before we sent everything (a server that closes at once); the rest cannot
            // be delivered.
            Finish(TcpTransferOutcome.PeerClosedEarly, TcpError.None, null, connection.GetStatistics());
            connection.Close();
            return;
        }
        if (connection.State is TcpState.TimeWait or TcpState.Closed)
        {
            Finish(TcpTransferOutcome.Completed, TcpError.None, null, connection.GetStatistics());
            connection.Close();
        }
    }

    private void OnClosed(TcpConnection connection)
    {
        if (_finished) return;
        TcpError error = connection.Error;
        if (error == TcpError.None)
        {
            // TIME_WAIT can be reached by the segment that also carries the peer's last bytes and FIN, before
            // they were read: read them now.
            ReadAll(connection);
            TcpTransferOutcome outcome = _shutdown && connection.IsReceiveFinished ? TcpTransferOutcome.Completed : TcpTransferOutcome.PeerClosedEarly;
            Finish(outcome, error, null, connection.GetStatistics());
        }
        else
        {
            Finish(error == TcpError.Refused ? TcpTransferOutcome.Refused : TcpTransferOutcome.Failed, error, null, connection.GetStatistics());
        }
        connection.Close();
    }

    private void Verify(ReadOnlySpan<byte> received)
    {
        if (_mismatchAt >= 0) return;
        long position = _echoed;
        while (!received.IsEmpty)
        {
            int offset = (int)(position % PatternPeriod);
            int length = Math.Min(received.Length, PatternPeriod - offset);
            int difference = received[..length].CommonPrefixLength(_pattern.AsSpan(offset, length));
            if (difference < length)
            {
                _mismatchAt = position + difference;
                return;
            }
            position += length;
            received = received[length..];
        }
    }

    private void Finish(TcpTransferOutcome outcome, TcpError error, string? message, TcpConnectionStatistics statistics)
    {
        if (_finished) return;
        _finished = true;
        long end = Now;
        long dataStart = _connectedAt != 0 ? _connectedAt : end;
        _completion.TrySetResult(new TcpTransferResult(outcome, error, message, _sent, _echoed, _mismatchAt,
            TimeSpan.FromTicks((end - dataStart) / 100), TimeSpan.FromTicks((dataStart - _startedAt) / 100), statistics));
        if (_connection is { } connection)
        {
            connection.Connected = null;
            connection.SendSpaceAvailable = null;
            connection.DataReceived = null;
            connection.Closed = null;
        }
    }
}

internal enum TcpTransferOutcome
{
    Completed,
    Refused,
    PeerClosedEarly,
    Failed,
}

/// <param name="MismatchAt">Stream offset of the first echoed byte that differs from what was sent; -1 if none.</param>
/// <param name="Elapsed">From ESTABLISHED to the end of the transfer (both FINs exchanged).</param>
/// <param name="ConnectTime">From the SYN to ESTABLISHED.</param>
internal readonly record struct TcpTransferResult(
    TcpTransferOutcome Outcome, TcpError Error, string? Message, long Sent, long Echoed, long MismatchAt,
    TimeSpan Elapsed, TimeSpan ConnectTime, TcpConnectionStatistics Statistics);
