namespace FastPath.Apps.Lab;

/// <summary>One network namespace of a lab (a name under /var/run/netns), with the role it plays.</summary>
public sealed class LabNamespace
{
    internal LabNamespace(string role, string name)
    {
        Role = role;
        Name = name;
    }

    /// <summary>What it is for in the lab: "sender", "rx1", "bridge".</summary>
    public string Role { get; }

    /// <summary>The namespace's name, as <c>ip netns</c> knows it.</summary>
    public string Name { get; }

    public override string ToString() => Name;
}

/// <summary>A Linux bridge; it lives alone in its own namespace so nothing of the lab touches the host's.</summary>
public sealed class LabBridge
{
    internal LabBridge(LabNamespace ns, string device)
    {
        Namespace = ns;
        Device = device;
    }

    public LabNamespace Namespace { get; }

    /// <summary>The bridge device inside <see cref="Namespace"/>.</summary>
    public string Device { get; }

    public override string ToString() => $"{Namespace.Name}/{Device}";
}

/// <summary>A veth pair: end A in one namespace, end B in another (for a bridge port, B is in the bridge's namespace).</summary>
public sealed record LabLink(LabNamespace ANamespace, string A, LabNamespace BNamespace, string B)
{
    public override string ToString() => $"{ANamespace.Name}/{A} <-> {BNamespace.Name}/{B}";
}
