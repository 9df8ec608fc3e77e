using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Tcp;

/// <summary>
/// One HTTP connection between 10.0.0.1:45678 and 10.0.0.2:80 as a Linux client and server send it. The
/// SYN and SYN-ACK carry the options in Linux's order and padding (MSS, SACK-permitted + timestamps,
/// NOP + window scale 7).
/// </summary>
internal static class TcpFixtures
{
    public static readonly Ipv4Address Client = new(10, 0, 0, 1);
    public static readonly Ipv4Address Server = new(10, 0, 0, 2);

    /// <summary>SYN, seq 0x3b9aca00, window 64240; MSS 1460, SACK-permitted, TSval 0x0009a8c0 TSecr 0, NOP, window scale 7.</summary>
    public const string Syn =
        "b26e0050" + "3b9aca00" + "00000000" + "a002" + "faf0" + "d7e9" + "0000" +
        "020405b4" + "0402080a0009a8c000000000" + "01030307";

    /// <summary>SYN-ACK, seq 0xa1b2c3d4 ack 0x3b9aca01, window 65160; the same options, TSecr echoing the SYN.</summary>
    public const string SynAck =
        "0050b26e" + "a1b2c3d4" + "3b9aca01" + "a012" + "fe88" + "de5c" + "0000" +
        "020405b4" + "0402080a7f3a11220009a8c0" + "01030307";

    /// <summary>PSH+ACK with NOP NOP timestamps and a 34-byte HTTP request.</summary>
    public const string Data =
        "b26e0050" + "3b9aca01" + "a1b2c3d5" + "8018" + "01f6" + "6c1b" + "0000" +
        "0101080a0009a8c57f3a1122" +
        "474554202f20485454502f312e310d0a486f73743a2031302e302e302e320d0a0d0a";

    public const int DataPayloadLength = 34;

    /// <summary>ACK with timestamps and one SACK block 0xa1b2d5b4-0xa1b2db68 (a lost segment before it).</summary>
    public const string Sack =
        "b26e0050" + "3b9aca23" + "a1b2d000" + "b010" + "01f5" + "d2b7" + "0000" +
        "0101080a0009a8d07f3a1130" + "0101050a" + "a1b2d5b4a1b2db68";

    /// <summary>RST+ACK from the server, no options, window 0.</summary>
    public const string Reset = "0050b26e" + "00000000" + "3b9aca01" + "5014" + "0000" + "e373" + "0000";

    /// <summary>Each fixture with the addresses of its IPv4 header.</summary>
    public static TheoryData<string, string, string> All => new()
    {
        { nameof(Syn), Syn, "client" },
        { nameof(SynAck), SynAck, "server" },
        { nameof(Data), Data, "client" },
        { nameof(Sack), Sack, "client" },
        { nameof(Reset), Reset, "server" },
    };

    public static (Ipv4Address Source, Ipv4Address Destination) Addresses(string sender) =>
        sender == "client" ? (Client, Server) : (Server, Client);
}
