namespace FastPath.Engine.Tcp;

/// <summary>The congestion control algorithm of new connections.</summary>
public enum TcpCongestionControl
{
    /// <summary>RFC 9438, the Linux default.</summary>
    Cubic,
    /// <summary>RFC 5681 with RFC 6582 recovery.</summary>
    NewReno,
}
