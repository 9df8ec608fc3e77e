using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Fanout;

/// <summary>
/// One destination of a group's copies: a unicast host (its MAC resolved by ARP unless given) or another
/// group (its MAC is the group's, RFC 1112 section 6.4).
/// </summary>
public sealed record FanoutDestination(FanoutEndpoint Endpoint, MacAddress? StaticMac = null)
{
    public bool IsGroup => Endpoint.Address.IsMulticast;

    public override string ToString() => Endpoint.ToString();
}

/// <summary>A group to join and the destinations every one of its datagrams is copied to.</summary>
public sealed record FanoutGroup(FanoutEndpoint Group, IReadOnlyList<FanoutDestination> Destinations);

/// <summary>What a fan-out does: the groups, their destinations, and how copies are sent.</summary>
public sealed class FanoutSettings
{
    public required IReadOnlyList<FanoutGroup> Groups { get; init; }

    /// <summary>TTL of copies to unicast destinations.</summary>
    public byte UnicastTtl { get; init; } = 64;

    /// <summary>TTL of copies to groups: 1 keeps them on the link (RFC 1112 section 6.1), as the kernel's default.</summary>
    public byte GroupTtl { get; init; } = 1;

    /// <summary>Every destination of every group (a destination of two groups counts twice).</summary>
    public int DestinationCount => Groups.Sum(group => group.Destinations.Count);

    /// <summary>Throws <see cref="FanoutConfigException"/> with one line that says what is wrong.</summary>
    public void Validate()
    {
        if (Groups.Count == 0) throw new FanoutConfigException("no group to fan out (give --group G:PORT or a config file with \"groups\")");
        var seen = new HashSet<FanoutEndpoint>();
        foreach (FanoutGroup group in Groups)
        {
            if (!group.Group.Address.IsMulticast) throw new FanoutConfigException($"group {group.Group}: {group.Group.Address} is not a multicast address (224.0.0.0/4)");
            if (group.Group.Address.Value >> 8 == 0xE000_00) throw new FanoutConfigException($"group {group.Group}: 224.0.0.x is link-local control traffic, not a data group");
            if (!seen.Add(group.Group)) throw new FanoutConfigException($"group {group.Group} is listed twice");
            if (group.Destinations.Count == 0) throw new FanoutConfigException($"group {group.Group} has no destination (give --to or --to-group)");
            var destinations = new HashSet<FanoutEndpoint>();
            foreach (FanoutDestination destination in group.Destinations)
            {
                Ipv4Address address = destination.Endpoint.Address;
                if (address.IsUnspecified || address.IsBroadcast) throw new FanoutConfigException($"group {group.Group}: destination {destination} is not a host or group address");
                if (destination.Endpoint == group.Group) throw new FanoutConfigException($"group {group.Group}: copying to the group itself would loop");
                if (!destinations.Add(destination.Endpoint)) throw new FanoutConfigException($"group {group.Group}: destination {destination} is listed twice");
                if (destination.StaticMac is { } mac && (mac.IsMulticast || mac.IsZero)) throw new FanoutConfigException($"group {group.Group}: destination {destination}: {mac} is not a host MAC");
            }
        }
        if (UnicastTtl == 0 || GroupTtl == 0) throw new FanoutConfigException("ttl must be 1-255");
    }
}

/// <summary>A configuration that cannot be used; the message is one line for the user.</summary>
public sealed class FanoutConfigException : Exception
{
    public FanoutConfigException()
    {
    }

    public FanoutConfigException(string message)
        : base(message)
    {
    }

    public FanoutConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
