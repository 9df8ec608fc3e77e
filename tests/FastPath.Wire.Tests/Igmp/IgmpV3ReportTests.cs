using FastPath.Wire.Igmp;
using FastPath.Wire.Ipv4;
using static FastPath.Wire.Tests.Igmp.IgmpFixtures;

namespace FastPath.Wire.Tests.Igmp;

public class IgmpV3ReportTests
{
    private static readonly Ipv4Address[] SsmSources = [new(10, 0, 0, 1), new(10, 0, 0, 2)];

    [Fact]
    public void Records_enumerate_with_their_sources()
    {
        byte[] bytes = Convert.FromHexString(V3Report);
        Assert.True(IgmpPacket.TryParse(bytes, out var packet));
        Assert.Equal(2, packet.NumberOfGroupRecords);

        var records = packet.GroupRecords;
        Assert.True(records.MoveNext());
        var first = records.Current;
        Assert.Equal(IgmpGroupRecordType.ModeIsInclude, first.RecordType);
        Assert.Equal(SsmGroup, first.MulticastAddress);
        Assert.Equal(2, first.NumberOfSources);
        Assert.Equal(16, first.Length);
        Assert.Equal(0, first.AuxDataLength);
        var sources = new List<Ipv4Address>();
        foreach (var source in first.Sources) sources.Add(source);
        Assert.Equal(SsmSources, sources);
        Assert.Equal(SsmSources[1], first.GetSource(1));

        Assert.True(records.MoveNext());
        Assert.Equal(IgmpGroupRecordType.ChangeToExcludeMode, records.Current.RecordType);
        Assert.Equal(Ssdp, records.Current.MulticastAddress);
        Assert.Equal(0, records.Current.NumberOfSources);

        Assert.False(records.MoveNext());
        Assert.Equal(WireError.None, records.Error);
    }

    [Fact]
    public void Writer_builds_the_fixture()
    {
        byte[] buffer = new byte[1480];
        var writer = new IgmpV3ReportWriter(buffer);

        Assert.True(writer.TryAdd(IgmpGroupRecordType.ModeIsInclude, SsmGroup, SsmSources));
        Assert.True(writer.TryAdd(IgmpGroupRecordType.ChangeToExcludeMode, Ssdp, []));
        int length = writer.Complete();

        Assert.Equal(32, length);
        Assert.Equal(2, writer.RecordCount);
        Assert.Equal(V3Report, Convert.ToHexString(buffer, 0, length), ignoreCase: true);
    }

    [Fact]
    public void Writer_refuses_a_record_that_does_not_fit_and_leaves_the_report_valid()
    {
        byte[] buffer = new byte[8 + 16 + 4];
        var writer = new IgmpV3ReportWriter(buffer);

        Assert.True(writer.TryAdd(IgmpGroupRecordType.ModeIsInclude, SsmGroup, SsmSources));
        Assert.False(writer.TryAdd(IgmpGroupRecordType.ChangeToExcludeMode, Ssdp, []));
        int length = writer.Complete();

        Assert.Equal(24, length);
        Assert.True(IgmpPacket.TryParse(buffer.AsSpan(0, length), out var packet));
        Assert.True(packet.VerifyChecksum());
        Assert.Equal(1, packet.NumberOfGroupRecords);
    }

    [Fact]
    public void Aux_data_round_trips_and_must_be_whole_words()
    {
        byte[] buffer = new byte[64];
        var writer = new IgmpV3ReportWriter(buffer);
        Assert.True(writer.TryAdd(IgmpGroupRecordType.AllowNewSources, SsmGroup, SsmSources.AsSpan(0, 1), [1, 2, 3, 4, 5, 6, 7, 8]));
        int length = writer.Complete();

        Assert.True(IgmpPacket.TryParse(buffer.AsSpan(0, length), out var packet));
        var records = packet.GroupRecords;
        Assert.True(records.MoveNext());
        Assert.Equal(8, records.Current.AuxDataLength);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], records.Current.AuxData.ToArray());
        Assert.True(IgmpRepr.TryParse(packet, out var repr));
        Assert.Equal(IgmpRepr.V3Report(1, 20), repr);

        Assert.Throws<ArgumentException>(() => new IgmpV3ReportWriter(new byte[64]).TryAdd(IgmpGroupRecordType.AllowNewSources, SsmGroup, [], [1, 2, 3]));
    }

    [Theory]
    [InlineData(7, 0x03)] // number of group records: 3 where 2 are present
    [InlineData(7, 0xFF)]
    [InlineData(11, 0x03)] // first record: 3 sources where 2 are present
    [InlineData(10, 0xFF)] // first record: 65282 sources
    [InlineData(9, 0x01)] // first record: one word of aux data that is not there
    [InlineData(9, 0xFF)]
    public void Counts_past_the_message_are_BadField(int offset, byte value)
    {
        byte[] bytes = Convert.FromHexString(V3Report);
        bytes[offset] = value;

        Assert.False(IgmpPacket.TryParse(bytes, out _, out var error));
        Assert.Equal(WireError.BadField, error);
        Assert.False(IgmpRepr.TryParse(new IgmpPacket(bytes), out _, out var reprError));
        Assert.Equal(WireError.BadField, reprError);
    }

    [Fact]
    public void Record_enumerator_on_an_unchecked_view_stops_at_a_bad_record()
    {
        byte[] bytes = Convert.FromHexString(V3Report);
        bytes[27] = 0x01; // second record claims one source past the end

        var records = new IgmpPacket(bytes).GroupRecords;
        Assert.True(records.MoveNext());
        Assert.False(records.MoveNext());
        Assert.Equal(WireError.BadField, records.Error);
    }

    [Fact]
    public void Zero_records_is_an_empty_report()
    {
        byte[] buffer = new byte[8];
        int length = new IgmpV3ReportWriter(buffer).Complete();

        Assert.Equal(8, length);
        Assert.Equal("2200DDFF00000000", Convert.ToHexString(buffer));
        Assert.True(IgmpPacket.TryParse(buffer, out var packet));
        Assert.True(packet.VerifyChecksum());
        Assert.False(packet.GroupRecords.MoveNext());
    }

    [Fact]
    public void Bytes_after_the_last_record_are_ignored()
    {
        byte[] bytes = [.. Convert.FromHexString(V3Report), 0, 0, 0, 0];

        Assert.True(IgmpPacket.TryParse(bytes, out var packet));
        Assert.True(packet.VerifyChecksum());
        Assert.True(IgmpRepr.TryParse(packet, out var repr));
        Assert.Equal(IgmpRepr.V3Report(2, 24), repr);
    }

    [Fact]
    public void Unknown_record_types_are_yielded_for_the_caller_to_ignore()
    {
        byte[] bytes = Convert.FromHexString(V3Report);
        bytes[24] = 9;
        var packet = new IgmpPacket(bytes);
        packet.FillChecksum();

        Assert.True(IgmpPacket.TryParse(bytes, out packet));
        int count = 0;
        foreach (var record in packet.GroupRecords)
        {
            count++;
            if (count == 2) Assert.Equal((IgmpGroupRecordType)9, record.RecordType);
        }
        Assert.Equal(2, count);
    }
}
