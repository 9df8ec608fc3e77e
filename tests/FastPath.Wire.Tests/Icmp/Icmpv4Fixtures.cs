using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Icmp;

/// <summary>ICMPv4 messages (the IP payload) with the representation each must parse to.</summary>
internal static class Icmpv4Fixtures
{
    /// <summary>The IPv4 header and UDP header of tests/corpus/vectors/tftp-rrq.hex: what an error about that datagram quotes.</summary>
    public const string QuotedTftp = "4500005393250000801125ecc0a80037c0a80001" + "05d40045003fac40";

    /// <summary>A traceroute probe (TTL 1, UDP to port 33434) as the first router quotes it.</summary>
    public const string QuotedProbe = "4500003c1c2a000001115da80a0000055db8d822" + "af48829a00281234";

    public static readonly IReadOnlyDictionary<string, (string Hex, Icmpv4Repr Repr)> All = new Dictionary<string, (string, Icmpv4Repr)>
    {
        // Windows ping: identifier 1, sequence 33, 32 bytes "abcdefghijklmnopqrstuvwabcdefghi".
        ["EchoRequestWindows"] = ("08004d3a00010021" + "6162636465666768696a6b6c6d6e6f7071727374757677616263646566676869",
            Icmpv4Repr.EchoRequest(1, 33, 32)),
        ["EchoReplyWindows"] = ("0000553a00010021" + "6162636465666768696a6b6c6d6e6f7071727374757677616263646566676869",
            Icmpv4Repr.EchoReply(1, 33, 32)),
        // iputils ping: 56 bytes, a 16-byte struct timeval (little-endian, x86-64) then 0x10..0x37.
        ["EchoRequestLinux"] = ("0800a2b41c460001" + "6d0a5e6500000000a3c10b0000000000" + "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637",
            Icmpv4Repr.EchoRequest(0x1c46, 1, 56)),
        ["PortUnreachable"] = ("03034a6400000000" + QuotedTftp,
            Icmpv4Repr.DestinationUnreachable(Icmpv4UnreachableCode.PortUnreachable, 28)),
        ["FragmentationNeeded"] = ("030444eb00000578" + QuotedTftp,
            Icmpv4Repr.DestinationUnreachable(Icmpv4UnreachableCode.FragmentationNeeded, 28, nextHopMtu: 1400)),
        ["TimeExceeded"] = ("0b00b0c000000000" + QuotedProbe,
            Icmpv4Repr.TimeExceeded(Icmpv4TimeExceededCode.TtlExceededInTransit, 28)),
        // 0x02faf080 ms is 13:53:20 UT.
        ["TimestampRequest"] = ("0d00c5273a5c0001" + "02faf080" + "00000000" + "00000000",
            Icmpv4Repr.TimestampRequest(0x3a5c, 1, 0x02faf080)),
        ["TimestampReply"] = ("0e00dccc3a5c0001" + "02faf080" + "02faf0b2" + "02faf0b3",
            Icmpv4Repr.TimestampReply(0x3a5c, 1, 0x02faf080, 0x02faf0b2, 0x02faf0b3)),
        ["AddressMaskRequest"] = ("1100ecff02000000" + "00000000", Icmpv4Repr.AddressMaskRequest(0x0200, 0)),
        ["AddressMaskReply"] = ("1200ecfe02000000" + "ffffff00", Icmpv4Repr.AddressMaskReply(0x0200, 0, new Ipv4Address(255, 255, 255, 0))),
        // Redirect for host (code 1) to gateway 192.168.0.254: no fields of its own here, kept generic.
        ["RedirectGeneric"] = ("050186bf" + "c0a800fe" + QuotedTftp,
            new Icmpv4Repr { Type = Icmpv4Type.Redirect, Code = 1, RestOfHeader = 0xc0a800fe, PayloadLength = 28 }),
    };

    public static TheoryData<string> Names => new(All.Keys);
}
