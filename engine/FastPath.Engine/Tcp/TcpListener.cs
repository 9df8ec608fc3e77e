using System.Diagnostics.CodeAnalysis;

namespace FastPath.Engine.Tcp;

/// <summary>
/// A listening port (<see cref="TcpSockets.Listen"/>). Handshakes complete without the application; a finished
/// connection goes to <see cref="Accepted"/> if set, else waits in the accept queue for <see cref="TryAccept"/>.
/// </summary>
public sealed class TcpListener : IDisposable
{
    private readonly TcpSockets _sockets;
    private readonly TcpConnection?[] _acceptQueue;
    private int _acceptHead;
    private int _acceptCount;

    internal TcpListener(TcpSockets sockets, ushort port, int acceptBacklog)
    {
        _sockets = sockets;
        LocalPort = port;
        _acceptQueue = new TcpConnection?[acceptBacklog];
    }

    public ushort LocalPort { get; }

    /// <summary>Called (on the worker thread) when a connection reaches ESTABLISHED; the accept queue is then not used.</summary>
    public Action<TcpConnection>? Accepted { get; set; }

    /// <summary>Established connections waiting in the accept queue.</summary>
    public int PendingAccepts => _acceptCount;

    internal bool IsDisposed { get; private set; }

    /// <summary>Half-open connections (SYN_RECEIVED) of this listener.</summary>
    internal int HalfOpen { get; set; }

    internal bool AcceptQueueFull => Accepted is null && _acceptCount == _acceptQueue.Length;

    /// <summary>The oldest connection of the accept queue, if any.</summary>
    public bool TryAccept([NotNullWhen(true)] out TcpConnection? connection)
    {
        if (!TryDequeue(out connection)) return false;
        connection.OnAccepted();
        return true;
    }

    /// <summary>A connection of this listener reached ESTABLISHED (or CLOSE_WAIT): hand it over or queue it.</summary>
    internal bool Deliver(TcpConnection connection)
    {
        if (Accepted is { } accepted)
        {
            connection.OnAccepted();
            accepted(connection);
            return true;
        }
        if (_acceptCount == _acceptQueue.Length) return false;
        _acceptQueue[(_acceptHead + _acceptCount) % _acceptQueue.Length] = connection;
        _acceptCount++;
        return true;
    }

    /// <summary>A queued connection that ended before it was accepted leaves the queue.</summary>
    internal void RemoveQueued(TcpConnection connection)
    {
        for (int i = 0; i < _acceptCount; i++)
        {
            int index = (_acceptHead + i) % _acceptQueue.Length;
            if (!ReferenceEquals(_acceptQueue[index], connection)) continue;
            for (int j = i; j < _acceptCount - 1; j++)
                _acceptQueue[(_acceptHead + j) % _acceptQueue.Length] = _acceptQueue[(_acceptHead + j + 1) % _acceptQueue.Length];
            _acceptQueue[(_acceptHead + _acceptCount - 1) % _acceptQueue.Length] = null;
            _acceptCount--;
            return;
        }
    }

    /// <summary>Stops listening; connections not yet accepted (queued or half-open) are reset.</summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        while (TryDequeue(out TcpConnection? connection)) connection.AbortUnaccepted();
        _sockets.RemoveListener(this);
    }

    private bool TryDequeue([NotNullWhen(true)] out TcpConnection? connection)
    {
        if (_acceptCount == 0)
        {
            connection = null;
            return false;
        }
        connection = _acceptQueue[_acceptHead]!;
        _acceptQueue[_acceptHead] = null;
        _acceptHead = (_acceptHead + 1) % _acceptQueue.Length;
        _acceptCount--;
        return true;
    }
}
