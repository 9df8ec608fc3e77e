using System.Text;
using System.Text.Json;
using FastPath.Engine.Telemetry;

namespace FastPath.Engine.Tests.Telemetry;

public class DropCountersTests
{
    private enum Reason : byte
    {
        BadChecksum,
        Truncated,
        NoArpEntry,
        RingFull,
        Ipv4Options = 6,
        TTLExpired,
    }

    [Fact]
    public void Counts_by_reason_and_in_total()
    {
        var drops = new DropCounters<Reason>();
        drops.Count(Reason.BadChecksum);
        drops.Count(Reason.BadChecksum);
        drops.Add(Reason.TTLExpired, 5);
        Assert.Equal(2, drops[Reason.BadChecksum]);
        Assert.Equal(5, drops[Reason.TTLExpired]);
        Assert.Equal(0, drops[Reason.Truncated]);
        Assert.Equal(7, drops.Total);
        Assert.Equal(6, drops.ReasonCount);

        var other = new DropCounters<Reason>();
        other.Count(Reason.Truncated);
        DropCounters<Reason> sum = drops.Snapshot();
        sum.Add(other);
        Assert.Equal(8, sum.Total);
        Assert.Equal(7, drops.Total);
        drops.Reset();
        Assert.Equal(0, drops.Total);
    }

    [Fact]
    public void Json_lists_every_reason_in_snake_case_with_the_total()
    {
        var drops = new DropCounters<Reason>();
        drops.Count(Reason.NoArpEntry);
        drops.Add(Reason.Ipv4Options, 2);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) TelemetryJson.WriteDrops(writer, drops);
        Assert.Equal("""{"total":3,"bad_checksum":0,"truncated":0,"no_arp_entry":1,"ring_full":0,"ipv4_options":2,"ttl_expired":0}""",
            Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Histogram_json_has_the_usual_percentiles()
    {
        var histogram = new LatencyHistogram();
        for (int i = 1; i <= 1000; i++) histogram.Record(i);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) TelemetryJson.WriteHistogram(writer, histogram);
        using JsonDocument json = JsonDocument.Parse(stream.ToArray());
        Assert.Equal(1000, json.RootElement.GetProperty("count").GetInt64());
        Assert.Equal(1, json.RootElement.GetProperty("min").GetInt64());
        Assert.Equal(1000, json.RootElement.GetProperty("max").GetInt64());
        Assert.Equal(500.5, json.RootElement.GetProperty("mean").GetDouble());
        Assert.Equal(histogram.Percentile(50), json.RootElement.GetProperty("p50").GetInt64());
        Assert.Equal(histogram.Percentile(99.9), json.RootElement.GetProperty("p99_9").GetInt64());
        Assert.Equal(1000, json.RootElement.GetProperty("p99_99").GetInt64());
    }

    [Theory]
    [InlineData("BadChecksum", "bad_checksum")]
    [InlineData("NoArpEntry", "no_arp_entry")]
    [InlineData("Ipv4Options", "ipv4_options")]
    [InlineData("TTLExpired", "ttl_expired")]
    [InlineData("Truncated", "truncated")]
    public void Snake_case_names(string name, string expected) => Assert.Equal(expected, TelemetryJson.ToSnakeCase(name));
}
