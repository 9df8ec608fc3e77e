using FastPath.Wire.Igmp;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Igmp;

/// <summary>IGMP messages (the IP payload) with the representation each must parse to.</summary>
internal static class IgmpFixtures
{
    public static readonly Ipv4Address Ssdp = new(239, 255, 255, 250);
    public static readonly Ipv4Address SsmGroup = new(232, 1, 1, 1);

    /// <summary>IGMPv3 group-and-source-specific query for 232.1.1.1 from 10.0.0.1 and 10.0.0.2: max resp code 0x8c (22.4 s), S set, QRV 2, QQIC 0x90 (256 s).</summary>
    public const string V3GroupAndSourceQuery = "118ce6db" + "e8010101" + "0a90" + "0002" + "0a000001" + "0a000002";

    /// <summary>IGMPv3 report: MODE_IS_INCLUDE 232.1.1.1 from 10.0.0.1 and 10.0.0.2, then CHANGE_TO_EXCLUDE 239.255.255.250 with no sources (a join).</summary>
    public const string V3Report = "2200ebfa" + "00000002" +
        "01000002" + "e8010101" + "0a000001" + "0a000002" +
        "04000000" + "effffffa";

    public static readonly IReadOnlyDictionary<string, (string Hex, IgmpRepr Repr)> All = new Dictionary<string, (string, IgmpRepr)>
    {
        ["V1Query"] = ("1100eeff00000000", IgmpRepr.V1Query()),
        // The general query Linux and most routers send: max response 10 s.
        ["V2GeneralQuery"] = ("1164ee9b00000000", IgmpRepr.V2Query(TimeSpan.FromSeconds(10), Ipv4Address.Any)),
        ["V2GroupQuery"] = ("110afdf0ef010203", IgmpRepr.V2Query(TimeSpan.FromSeconds(1), new Ipv4Address(239, 1, 2, 3))),
        // mDNS group join from an IGMPv1 host.
        ["V1Report"] = ("12000d04e00000fb", IgmpRepr.V1Report(new Ipv4Address(224, 0, 0, 251))),
        // The SSDP join every Windows and many embedded hosts send.
        ["V2Report"] = ("1600fa04effffffa", IgmpRepr.V2Report(Ssdp)),
        ["V2Leave"] = ("1700f904effffffa", IgmpRepr.LeaveGroup(Ssdp)),
        // Linux's IGMPv3 general query: QRV 2, QQIC 125 s.
        ["V3GeneralQuery"] = ("1164ec1e00000000027d0000",
            IgmpRepr.V3Query(TimeSpan.FromSeconds(10), Ipv4Address.Any, false, 2, TimeSpan.FromSeconds(125))),
        ["V3GroupAndSourceQuery"] = (V3GroupAndSourceQuery,
            IgmpRepr.V3Query(TimeSpan.FromSeconds(22.4), SsmGroup, true, 2, TimeSpan.FromSeconds(256), numberOfSources: 2)),
        ["V3Report"] = (V3Report, IgmpRepr.V3Report(2, 24)),
    };

    public static TheoryData<string> Names => new(All.Keys);
}
