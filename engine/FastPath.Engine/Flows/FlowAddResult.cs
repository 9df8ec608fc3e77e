namespace FastPath.Engine.Flows;

/// <summary>What <see cref="FlowTable{TValue}.TryAdd"/> did.</summary>
public enum FlowAddResult
{
    /// <summary>The flow is in the table now.</summary>
    Added,

    /// <summary>The flow was already there; its value is unchanged.</summary>
    AlreadyPresent,

    /// <summary>The table holds <see cref="FlowTable{TValue}.Capacity"/> flows: nothing was added.</summary>
    Full,
}
