namespace FastPath.Engine.Tcp;

public sealed partial class TcpSockets
{
    // The stack holds its clock for a receive burst (NetworkStack.Receive); timers and application calls hold it
    // here, so a segment sent from Send or an RTO reads the clock once, not once per deadline, timestamp and ARP check.

    /// <summary>The worker's time in nanoseconds (held for the current burst, timer or call).</summary>
    internal long Now => _stack.Now;

    /// <summary>
    /// Our TSval clock (RFC 7323 section 5.4): milliseconds, as Linux's. One clock for connections and SYN cookies,
    /// so a connection made from a cookie goes on from the TSval its SYN-ACK carried.
    /// </summary>
    internal uint TimestampNow => (uint)(Now / 1_000_000);

    internal void HoldClock() => _stack.HoldClock();

    internal void ReleaseClock() => _stack.ReleaseClock();
}
