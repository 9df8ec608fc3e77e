namespace FastPath.Wire;

/// <summary>Why a checked parse refused a buffer. Parsers return it instead of throwing; callers count drops by it.</summary>
public enum WireError : byte
{
    None = 0,
    /// <summary>The buffer ends before a length the header itself requires.</summary>
    Truncated,
    /// <summary>IPv4 version field is not 4.</summary>
    BadVersion,
    /// <summary>IPv4 IHL below 5 or past the buffer; TCP data offset below 5 or past the segment.</summary>
    BadHeaderLength,
    /// <summary>A length field (IPv4 total length, UDP length) smaller than the header or larger than the buffer.</summary>
    BadLength,
    /// <summary>An option whose length is 0, 1 or runs past the options area.</summary>
    BadOption,
    /// <summary>ARP hardware/protocol type or address lengths other than Ethernet/IPv4.</summary>
    Unsupported,
    /// <summary>A field value the protocol forbids (e.g. an IGMPv3 record count past the packet).</summary>
    BadField,
}
