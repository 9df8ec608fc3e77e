namespace FastPath.Drivers.Tests.AfPacket;

/// <summary>
/// The AF_PACKET lab tests run one at a time: they measure counts on shared CPUs and create namespaces, and
/// two at once would only make a failure harder to read.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AfPacketCollection
{
    public const string Name = "AF_PACKET lab";
}
