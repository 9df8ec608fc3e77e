namespace FastPath.Apps.Lab;

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
