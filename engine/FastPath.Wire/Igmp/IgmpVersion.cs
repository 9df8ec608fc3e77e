namespace FastPath.Wire.Igmp;

/// <summary>The protocol version a message belongs to, as RFC 3376 section 7.1 tells them apart.</summary>
public enum IgmpVersion : byte
{
    /// <summary>A type this library does not know, or a query whose length is neither 8 nor at least 12.</summary>
    Unknown = 0,
    V1 = 1,
    V2 = 2,
    V3 = 3,
}
