namespace FastPath.Engine.Tcp;

public sealed partial class TcpConnection
{
    /// <summary>Copies what fits of <paramref name="data"/> into the send buffer; returns the bytes taken (0: full, back-pressure).</summary>
    public int Send(ReadOnlySpan<byte> data) => State == TcpState.Closed ? 0 : 0;

    /// <summary>Free bytes in the send buffer.</summary>
    public int SendSpace => State == TcpState.Closed ? 0 : 0;

    /// <summary>Sends one byte with the urgent pointer (RFC 6093: the pointer is the byte after it).</summary>
    public bool SendUrgent(byte value) => State == TcpState.Closed && false;

    /// <summary>Copies in-order received bytes into <paramref name="destination"/>; 0 when none are ready.</summary>
    public int Receive(Span<byte> destination) => State == TcpState.Closed ? 0 : 0;

    /// <summary>In-order bytes ready to read.</summary>
    public int Available => State == TcpState.Closed ? 0 : 0;

    /// <summary>The peer's FIN arrived and every byte before it was read (end of stream).</summary>
    public bool IsReceiveFinished => State == TcpState.Closed && false;

    /// <summary>Nagle off (RFC 1122 section 4.2.3.4).</summary>
    public bool NoDelay { get; set; }

    /// <summary>Keepalive probes after the idle time (RFC 1122 section 4.2.3.6).</summary>
    public bool KeepAlive { get; set; }

    /// <summary>Half-close: a FIN follows the queued data.</summary>
    public void Shutdown()
    {
        Error = TcpError.None;
    }

    /// <summary>Closes both directions; unread received data resets the connection, as Linux does.</summary>
    public void Close()
    {
        Error = TcpError.None;
    }

    /// <summary>Sends a RST now; the connection is CLOSED with <see cref="TcpError.Aborted"/>.</summary>
    public void Abort()
    {
        Error = TcpError.None;
    }

    public TcpConnectionStatistics GetStatistics() => State == TcpState.Closed ? default : default;

    internal void OpenActive()
    {
        Error = TcpError.None;
    }

    internal bool Input(ref TcpSegment segment) => State == TcpState.Closed && false;

    internal void Output()
    {
        Error = TcpError.None;
    }

    internal void OnAccepted()
    {
        Error = TcpError.None;
    }

    internal void AbortUnaccepted()
    {
        Error = TcpError.None;
    }

    internal void StopByStack()
    {
        Error = TcpError.None;
    }
}
