using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Tcp;

/// <summary>
/// One TCP connection (RFC 9293), owned by its stack's worker: every call and callback happens on that thread.
/// Pooled: after <see cref="Close"/> or <see cref="Abort"/> the object belongs to the stack again.
/// </summary>
public sealed partial class TcpConnection
{
    private readonly TcpSockets _sockets;
    private uint _remoteAddress;

    internal TcpConnection(TcpSockets sockets) => _sockets = sockets;

    public TcpState State { get; private set; }

    public TcpError Error { get; private set; }

    public Ipv4Address RemoteAddress => new(_remoteAddress);

    public ushort RemotePort { get; private set; }

    public ushort LocalPort { get; private set; }

    /// <summary>An active open reached ESTABLISHED.</summary>
    public Action<TcpConnection>? Connected { get; set; }

    /// <summary>New in-order bytes (<see cref="Available"/>) or the peer's FIN (<see cref="IsReceiveFinished"/>).</summary>
    public Action<TcpConnection>? DataReceived { get; set; }

    /// <summary>A <see cref="Send"/> took less than offered earlier, and there is room again.</summary>
    public Action<TcpConnection>? SendSpaceAvailable { get; set; }

    /// <summary>The urgent byte, out of band (not in the stream), like Linux without SO_OOBINLINE.</summary>
    public Action<TcpConnection, byte>? UrgentReceived { get; set; }

    /// <summary>The connection reached CLOSED (or TIME_WAIT) for good; <see cref="Error"/> says why.</summary>
    public Action<TcpConnection>? Closed { get; set; }

    internal ulong Key => TcpConnectionTable.Key(_remoteAddress, RemotePort, LocalPort);

    internal TcpListener? Listener { get; private set; }

    internal bool OutputQueued { get; set; }

    internal void Initialize(uint remoteAddress, ushort remotePort, ushort localPort, TcpListener? listener)
    {
        _remoteAddress = remoteAddress;
        RemotePort = remotePort;
        LocalPort = localPort;
        Listener = listener;
        State = TcpState.Closed;
        Error = TcpError.None;
    }

    internal void ResetForPool()
    {
        Connected = null;
        DataReceived = null;
        SendSpaceAvailable = null;
        UrgentReceived = null;
        Closed = null;
        Listener = null;
    }
}
