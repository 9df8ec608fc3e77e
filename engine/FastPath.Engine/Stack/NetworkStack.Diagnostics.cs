namespace FastPath.Engine.Stack;

/// <summary>The occupancy of the stack's bounded tables, for tests that check the bounds hold under a flood.</summary>
public sealed partial class NetworkStack
{
    /// <summary>Entries in the ARP cache (at most <see cref="InterfaceConfig.ArpCacheCapacity"/>).</summary>
    internal int ArpCacheCount => _arpCache.Count;

    /// <summary>Destinations waiting for an ARP reply (at most <see cref="InterfaceConfig.ArpPendingDestinations"/>).</summary>
    internal int ArpPendingCount => _arpResolver.Pending;

    /// <summary>Frames held by the ARP resolver until their next hop answers (or its retries run out).</summary>
    internal int ArpQueuedFrames => _arpResolver.QueuedFrames;

    /// <summary>Datagrams in reassembly (at most <see cref="InterfaceConfig.MaxReassemblies"/>).</summary>
    internal int ReassembliesActive => _reassembler.Active;

    /// <summary>Bytes charged to reassembly (at most <see cref="InterfaceConfig.ReassemblyMemoryLimit"/>).</summary>
    internal int ReassemblyHeldBytes => _reassembler.HeldBytes;
}
