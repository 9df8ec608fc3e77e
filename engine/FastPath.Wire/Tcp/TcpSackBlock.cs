namespace FastPath.Wire.Tcp;

/// <summary>
/// One block of a SACK option (RFC 2018 section 3): <see cref="Left"/> is the first sequence number of the
/// block, <see cref="Right"/> the one just after its last byte.
/// </summary>
public readonly record struct TcpSackBlock(uint Left, uint Right);
