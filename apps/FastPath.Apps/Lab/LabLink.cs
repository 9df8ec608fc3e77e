namespace FastPath.Apps.Lab;

/// <summary>A veth pair: end A in one namespace, end B in another (for a bridge port, B is in the bridge's namespace).</summary>
public sealed record LabLink(LabNamespace ANamespace, string A, LabNamespace BNamespace, string B)
{
    public override string ToString() => $"{ANamespace.Name}/{A} <-> {BNamespace.Name}/{B}";
}
