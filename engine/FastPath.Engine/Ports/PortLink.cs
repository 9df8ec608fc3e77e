namespace FastPath.Engine.Ports;

/// <summary>Whether frames can cross a port's link, as the port last found it.</summary>
public enum LinkState : byte
{
    /// <summary>The port has no link to watch (memory, pcap) or has not looked yet.</summary>
    Unknown,
    /// <summary>The interface is administratively up and has carrier (IFF_UP and IFF_RUNNING).</summary>
    Up,
    /// <summary>The interface exists but is down or has no carrier: nothing crosses until it comes back.</summary>
    Down,
    /// <summary>The interface no longer exists (deleted, or its namespace went): the port cannot recover.</summary>
    Gone,
}

/// <summary>
/// A port's view of its link: the state, how often it went down, and how long the last outage lasted, so a
/// monitor that samples once a second still learns of an outage shorter than that.
/// </summary>
/// <param name="State">The state at the last check.</param>
/// <param name="Downs">Times the port saw the link go from up to down (or gone).</param>
/// <param name="LastOutage">How long the last completed outage lasted (down until up again); zero before the first.</param>
public readonly record struct PortLink(LinkState State, long Downs, TimeSpan LastOutage)
{
    /// <summary>The view of a port that has no link to watch.</summary>
    public static PortLink Unknown => default;
}
