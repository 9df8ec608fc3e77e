using FastPath.Wire.Ipv4;

namespace FastPath.TestKit;

/// <summary>The shape of a <see cref="NetLab"/>; every setting has a default that suits one-queue driver tests.</summary>
public sealed record NetLabOptions
{
    /// <summary>Receive queues on each end of the veth (<c>numrxqueues</c>).</summary>
    public int RxQueues { get; init; } = 1;

    /// <summary>Transmit queues on each end of the veth (<c>numtxqueues</c>).</summary>
    public int TxQueues { get; init; } = 1;

    /// <summary>The identity the port on the local end uses; never configured on the interface. Default 10.77.x.1.</summary>
    public Ipv4Address? LocalIp { get; init; }

    /// <summary>The kernel peer's address, configured on the peer end. Default 10.77.x.2.</summary>
    public Ipv4Address? PeerIp { get; init; }

    public int PrefixLength { get; init; } = 24;

    /// <summary>
    /// Give the peer a permanent neighbour entry for <see cref="LocalIp"/> (the default), so it sends to a
    /// port that does not answer ARP; false for tests of a stack that must resolve and answer ARP itself.
    /// </summary>
    public bool StaticNeighbour { get; init; } = true;

    /// <summary>MTU of both ends; null keeps the veth default (1500).</summary>
    public int? Mtu { get; init; }
}
