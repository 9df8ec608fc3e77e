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
