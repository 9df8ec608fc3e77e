namespace FastPath.Engine.Tcp;

/// <summary>Why a connection ended (<see cref="TcpConnection.Error"/>, read in the <see cref="TcpConnection.Closed"/> callback).</summary>
public enum TcpError
{
    /// <summary>Still open, or closed in order (both FINs exchanged).</summary>
    None,
    /// <summary>The peer answered our SYN with a RST (ECONNREFUSED).</summary>
    Refused,
    /// <summary>The peer reset the connection after it was set up (ECONNRESET).</summary>
    Reset,
    /// <summary>Retransmissions exhausted (ETIMEDOUT).</summary>
    TimedOut,
    /// <summary>Keepalive probes went unanswered.</summary>
    KeepaliveTimedOut,
    /// <summary>The application called <see cref="TcpConnection.Abort"/>, or closed with unread data.</summary>
    Aborted,
    /// <summary>The stack stopped with the connection open.</summary>
    StackStopped,
}
