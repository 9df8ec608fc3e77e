namespace FastPath.Wire.Checksums;

/// <summary>The implementation of the one's complement sum, widest first; chosen once at start-up.</summary>
public enum ChecksumPath
{
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}
