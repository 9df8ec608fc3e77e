namespace FastPath.Apps.Generator;

/// <summary>What a stream's frames carry above IPv4.</summary>
public enum StreamProtocol
{
    /// <summary>UDP datagrams with a zero payload (and the signature trailer).</summary>
    Udp,

    /// <summary>TCP segments with only SYN set, as a connection flood or a firewall test sends them.</summary>
    TcpSyn,

    /// <summary>ICMP echo requests: the data (and its signature) comes back in the replies of any host.</summary>
    Icmp,

    /// <summary>
    /// IPv4 with protocol 253, which RFC 3692 reserves for experiments and tests: no transport header, so
    /// nothing but the IP header has to be right, and no host answers it.
    /// </summary>
    Raw,
}
