using FastPath.TestKit;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Udp;

/// <summary>UDP datagrams as they appear on the wire (the IP payload), with the addresses of their IPv4 header.</summary>
internal static class UdpFixtures
{
    /// <summary>The UDP part of tests/corpus/vectors/tftp-rrq.hex: a TFTP read request, 1492 -> 69, 192.168.0.55 -> 192.168.0.1.</summary>
    public static byte[] TftpReadRequest() => RepoPaths.ReadHex("vectors/tftp-rrq.hex")[TftpUdpOffset..];

    /// <summary>Ethernet (14) plus IPv4 without options (20).</summary>
    public const int TftpUdpOffset = 34;

    public static readonly Ipv4Address TftpSource = new(192, 168, 0, 55);
    public static readonly Ipv4Address TftpDestination = new(192, 168, 0, 1);

    /// <summary>A DNS query for example.com A, 10.0.0.1:53000 -> 10.0.0.53:53.</summary>
    public const string DnsQuery =
        "cf0800350025a0f5" +
        "abcd01000001000000000000076578616d706c6503636f6d0000010001";

    public static readonly Ipv4Address DnsSource = new(10, 0, 0, 1);
    public static readonly Ipv4Address DnsDestination = new(10, 0, 0, 53);
}
