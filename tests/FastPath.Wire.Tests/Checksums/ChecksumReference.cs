namespace FastPath.Wire.Tests.Checksums;

/// <summary>The obviously correct RFC 1071 sum: big-endian byte pairs, odd byte zero-padded, carries folded.</summary>
internal static class ChecksumReference
{
    public static uint Sum(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
            sum += (uint)((data[i] << 8) | data[i + 1]);
        if (i < data.Length)
            sum += (uint)(data[i] << 8);
        while (sum > 0xFFFF)
            sum = (sum >> 16) + (sum & 0xFFFF);
        return (uint)sum;
    }
}
