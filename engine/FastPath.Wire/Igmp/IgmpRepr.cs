using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Igmp;

/// <summary>
/// The meaningful values of an IGMP message. <see cref="Type"/> and <see cref="Version"/> say which apply:
/// <list type="bullet">
/// <item>queries: <see cref="GroupAddress"/> (0.0.0.0 for a general query) and <see cref="MaxResponseTime"/>
/// (zero in a v1 query); v3 queries add <see cref="SuppressRouterProcessing"/>,
/// <see cref="QueryRobustnessVariable"/>, <see cref="QueryInterval"/> and <see cref="NumberOfSources"/>;</item>
/// <item>v1/v2 reports and leave: <see cref="GroupAddress"/>;</item>
/// <item>v3 reports: <see cref="NumberOfGroupRecords"/> and <see cref="GroupRecordsLength"/>;</item>
/// <item>other types: <see cref="GroupAddress"/> and byte 1 read as a v2 max response time, so that they emit back unchanged.</item>
/// </list>
/// Source addresses and group records stay in the view (<see cref="IgmpPacket.Sources"/>,
/// <see cref="IgmpPacket.GroupRecords"/>); <see cref="IgmpV3ReportWriter"/> builds reports.
/// </summary>
public readonly record struct IgmpRepr
{
    private static readonly TimeSpan Decisecond = TimeSpan.FromMilliseconds(100);

    public IgmpMessageType Type { get; init; }
    public IgmpVersion Version { get; init; }
    public Ipv4Address GroupAddress { get; init; }

    /// <summary>
    /// Queries: how long hosts may wait before answering. A v1 query carries none: hosts then use
    /// 10 seconds (RFC 2236 section 4).
    /// </summary>
    public TimeSpan MaxResponseTime { get; init; }
    public bool SuppressRouterProcessing { get; init; }

    /// <summary>QRV, 0 to 7 (0 when the querier's value is above 7).</summary>
    public byte QueryRobustnessVariable { get; init; }
    public TimeSpan QueryInterval { get; init; }
    public int NumberOfSources { get; init; }
    public int NumberOfGroupRecords { get; init; }

    /// <summary>V3 reports: the bytes of the group records after the 8-byte header.</summary>
    public int GroupRecordsLength { get; init; }

    /// <summary>Bytes <see cref="Emit"/> writes: 12 for a v3 query, 8 otherwise.</summary>
    public int HeaderLength => IsV3Query ? IgmpPacket.V3QueryHeaderLength : IgmpPacket.MinimumLength;

    /// <summary>The whole message: the fixed part, plus a v3 query's sources or a v3 report's records.</summary>
    public int MessageLength => HeaderLength + (IsV3Query ? NumberOfSources * Ipv4Address.Length : 0)
        + (Type == IgmpMessageType.V3MembershipReport ? GroupRecordsLength : 0);

    private bool IsV3Query => Type == IgmpMessageType.MembershipQuery && Version == IgmpVersion.V3;

    /// <summary>RFC 1112: a general query with no max response time.</summary>
    public static IgmpRepr V1Query() => new() { Type = IgmpMessageType.MembershipQuery, Version = IgmpVersion.V1 };

    /// <param name="maxResponseTime">0.1 to 25.5 s: a v2 query with 0 would read as a v1 query.</param>
    /// <param name="group">0.0.0.0 for a general query, the group for a group-specific one.</param>
    public static IgmpRepr V2Query(TimeSpan maxResponseTime, Ipv4Address group) =>
        new() { Type = IgmpMessageType.MembershipQuery, Version = IgmpVersion.V2, MaxResponseTime = maxResponseTime, GroupAddress = group };

    /// <param name="maxResponseTime">Up to 3174.4 s, sent as a floating-point code (RFC 3376 section 4.1.1).</param>
    /// <param name="group">0.0.0.0 for a general query.</param>
    /// <param name="suppressRouterProcessing">The S flag.</param>
    /// <param name="robustness">QRV, 0 to 7.</param>
    /// <param name="queryInterval">Up to 31744 s, sent as QQIC (RFC 3376 section 4.1.7).</param>
    /// <param name="numberOfSources">How many sources are (or will be) written after the fixed part, see <see cref="IgmpPacket.SetSource"/>.</param>
    public static IgmpRepr V3Query(
        TimeSpan maxResponseTime, Ipv4Address group, bool suppressRouterProcessing, byte robustness, TimeSpan queryInterval, int numberOfSources = 0) =>
        new()
        {
            Type = IgmpMessageType.MembershipQuery,
            Version = IgmpVersion.V3,
            MaxResponseTime = maxResponseTime,
            GroupAddress = group,
            SuppressRouterProcessing = suppressRouterProcessing,
            QueryRobustnessVariable = robustness,
            QueryInterval = queryInterval,
            NumberOfSources = numberOfSources,
        };

    public static IgmpRepr V1Report(Ipv4Address group) =>
        new() { Type = IgmpMessageType.V1MembershipReport, Version = IgmpVersion.V1, GroupAddress = group };

    public static IgmpRepr V2Report(Ipv4Address group) =>
        new() { Type = IgmpMessageType.V2MembershipReport, Version = IgmpVersion.V2, GroupAddress = group };

    public static IgmpRepr LeaveGroup(Ipv4Address group) =>
        new() { Type = IgmpMessageType.LeaveGroup, Version = IgmpVersion.V2, GroupAddress = group };

    public static IgmpRepr V3Report(int numberOfGroupRecords, int groupRecordsLength) =>
        new()
        {
            Type = IgmpMessageType.V3MembershipReport,
            Version = IgmpVersion.V3,
            NumberOfGroupRecords = numberOfGroupRecords,
            GroupRecordsLength = groupRecordsLength,
        };

    /// <summary>Reads a message; the lengths are checked again so that an unchecked view cannot throw.</summary>
    public static bool TryParse(IgmpPacket packet, out IgmpRepr repr, out WireError error)
    {
        repr = default;
        error = IgmpPacket.Check(packet.Buffer);
        if (error != WireError.None) return false;

        var type = packet.Type;
        var version = packet.Version;
        if (type == IgmpMessageType.MembershipQuery && version == IgmpVersion.V3)
        {
            repr = V3Query(
                IgmpTimeCode.Decode(packet.MaxResponseCode) * Decisecond,
                packet.GroupAddress,
                packet.SuppressRouterProcessing,
                packet.QueryRobustnessVariable,
                TimeSpan.FromSeconds(IgmpTimeCode.Decode(packet.QueryIntervalCode)),
                packet.NumberOfSources);
        }
        else if (type == IgmpMessageType.V3MembershipReport)
        {
            // The records' total length is only known by walking them (Check has validated each one).
            var records = packet.GroupRecords;
            while (records.MoveNext())
            {
            }
            repr = V3Report(packet.NumberOfGroupRecords, records.Consumed);
        }
        else
        {
            // v1/v2 messages and unknown types: the byte is linear in 1/10 s (RFC 2236 section 2.2).
            repr = new IgmpRepr
            {
                Type = type,
                Version = version,
                GroupAddress = packet.GroupAddress,
                MaxResponseTime = packet.MaxResponseCode * Decisecond,
            };
        }
        return true;
    }

    /// <inheritdoc cref="TryParse(IgmpPacket, out IgmpRepr, out WireError)"/>
    public static bool TryParse(IgmpPacket packet, out IgmpRepr repr) => TryParse(packet, out repr, out _);

    /// <summary>
    /// Writes the fixed part and the checksum over the first <see cref="MessageLength"/> bytes. A v3
    /// query's sources and a v3 report's records must already be in the buffer: the checksum covers them.
    /// Times that the format cannot express exactly are rounded down.
    /// </summary>
    public void Emit(IgmpPacket packet)
    {
        var view = new IgmpPacket(packet.Buffer[..MessageLength]);
        var buffer = view.Buffer;
        buffer[..HeaderLength].Clear();
        view.Type = Type;
        if (IsV3Query)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(QueryRobustnessVariable, (byte)7, nameof(QueryRobustnessVariable));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(NumberOfSources, (int)ushort.MaxValue, nameof(NumberOfSources));
            view.MaxResponseCode = IgmpTimeCode.Encode(Deciseconds(MaxResponseTime));
            view.GroupAddress = GroupAddress;
            view.SuppressRouterProcessing = SuppressRouterProcessing;
            view.QueryRobustnessVariable = QueryRobustnessVariable;
            view.QueryIntervalCode = IgmpTimeCode.Encode((int)Math.Min(QueryInterval.Ticks / TimeSpan.TicksPerSecond, IgmpTimeCode.MaxValue));
            view.NumberOfSources = (ushort)NumberOfSources;
        }
        else if (Type == IgmpMessageType.V3MembershipReport)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(NumberOfGroupRecords, (int)ushort.MaxValue, nameof(NumberOfGroupRecords));
            view.NumberOfGroupRecords = (ushort)NumberOfGroupRecords;
        }
        else
        {
            bool v1Query = Type == IgmpMessageType.MembershipQuery && Version == IgmpVersion.V1;
            int code = v1Query ? 0 : Math.Min(Deciseconds(MaxResponseTime), byte.MaxValue);
            if (Type == IgmpMessageType.MembershipQuery && !v1Query && code == 0)
            {
                throw new InvalidOperationException("An IGMPv2 query needs a max response time of at least 0.1 s; with 0 it is a v1 query (RFC 3376 section 7.1).");
            }
            view.MaxResponseCode = (byte)code;
            view.GroupAddress = GroupAddress;
        }
        view.FillChecksum();
    }

    private static int Deciseconds(TimeSpan time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(time, TimeSpan.Zero, nameof(time));
        return (int)Math.Min(time.Ticks / Decisecond.Ticks, IgmpTimeCode.MaxValue);
    }
}
