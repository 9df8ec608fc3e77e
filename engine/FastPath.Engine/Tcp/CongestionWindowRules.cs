namespace FastPath.Engine.Tcp;

/// <summary>The rules NewReno and CUBIC share.</summary>
internal static class CongestionWindowRules
{
    /// <summary>
    /// A ceiling far above any window a 32-bit-offset send buffer can fill, so growth during long
    /// application-limited stretches can never overflow an int.
    /// </summary>
    public const int Maximum = 1 << 30;

    /// <summary>RFC 6928 section 2: IW = min(10 MSS, max(2 MSS, 14600)).</summary>
    public static int Initial(int mss) => Math.Min(10 * mss, Math.Max(2 * mss, 14600));

    /// <summary>RFC 5681 equation 4's floor on ssthresh.</summary>
    public static int MinimumSlowStartThreshold(int mss) => 2 * mss;

    /// <summary>
    /// RFC 5681 section 3.1 with RFC 3465 appropriate byte counting, L = 2: one ACK grows cwnd by the bytes
    /// it acknowledged, at most two segments (so a stretch ACK cannot burst).
    /// </summary>
    public static int SlowStartIncrease(int ackedBytes, int mss) => Math.Min(ackedBytes, 2 * mss);

    /// <summary>
    /// Whether the window was what limited the sender (RFC 7661's concern, tested like Linux's
    /// tcp_is_cwnd_limited): a sender using less than half of cwnd is application- or receiver-limited,
    /// and growing cwnd then would only license a burst later.
    /// </summary>
    public static bool IsLimitedBy(int congestionWindow, int bytesInFlight) => (long)bytesInFlight * 2 >= congestionWindow;
}
