using FastPath.Apps.Fanout;
using FastPath.Wire.Ethernet;

namespace FastPath.Apps.Tests.Fanout;

public sealed class FanoutConfigTests
{
    [Fact]
    public void A_config_file_lists_groups_destinations_static_macs_and_ttls()
    {
        FanoutSettings settings = FanoutConfigFile.Parse("""
            {
              // comments and trailing commas are allowed
              "ttl": 32, "group_ttl": 4,
              "groups": [
                { "group": "239.1.1.1:5000", "to": ["10.0.0.5:6000", { "to": "10.0.0.6:6001", "mac": "02:00:00:00:00:06" }, "239.2.2.2:7000",] },
                { "group": "239.1.1.2:5000", "to": ["10.0.0.5:6000"] }
              ]
            }
            """);
        Assert.Equal(32, settings.UnicastTtl);
        Assert.Equal(4, settings.GroupTtl);
        Assert.Equal(2, settings.Groups.Count);
        Assert.Equal(FanoutEndpoint.Parse("239.1.1.1:5000"), settings.Groups[0].Group);
        Assert.Equal(["10.0.0.5:6000", "10.0.0.6:6001", "239.2.2.2:7000"], settings.Groups[0].Destinations.Select(destination => destination.ToString()));
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:06"), settings.Groups[0].Destinations[1].StaticMac);
        Assert.True(settings.Groups[0].Destinations[2].IsGroup);
        Assert.Equal(4, settings.DestinationCount);
    }

    [Fact]
    public void Hundreds_of_subscribers_parse()
    {
        string destinations = string.Join(',', Enumerable.Range(0, 500).Select(i => $"\"10.1.{i / 250}.{i % 250 + 1}:{6000 + i % 7}\""));
        FanoutSettings settings = FanoutConfigFile.Parse($$"""{ "groups": [ { "group": "239.1.1.1:5000", "to": [{{destinations}}] } ] }""");
        Assert.Equal(500, settings.DestinationCount);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[]", "the top level must be an object")]
    [InlineData("""{ "groups": [] }""", "groups: no group listed")]
    [InlineData("""{ "grups": [] }""", "grups: unknown setting")]
    [InlineData("""{ "groups": [ { "to": ["10.0.0.5:6000"] } ] }""", "groups[0]: has no \"group\"")]
    [InlineData("""{ "groups": [ { "group": "239.1.1.1:5000" } ] }""", "groups[0]: group 239.1.1.1:5000 has no destination")]
    [InlineData("""{ "groups": [ { "group": "239.1.1.1", "to": ["10.0.0.5:6000"] } ] }""", "groups[0].group: \"239.1.1.1\" is not \"ADDRESS:PORT\"")]
    [InlineData("""{ "groups": [ { "group": "10.1.1.1:5000", "to": ["10.0.0.5:6000"] } ] }""", "is not a multicast address")]
    [InlineData("""{ "groups": [ { "group": "239.1.1.1:5000", "to": ["10.0.0.5:6000", "10.0.0.300:1"] } ] }""", "groups[0].to[1]: \"10.0.0.300:1\" is not")]
    [InlineData("""{ "groups": [ { "group": "239.1.1.1:5000", "to": ["10.0.0.5:0"] } ] }""", "groups[0].to[0]")]
    [InlineData("""{ "groups": [ { "group": "239.1.1.1:5000", "to": [{ "to": "10.0.0.5:6000", "mac": "zz" }] } ] }""", "groups[0].to[0].mac")]
    [InlineData("""{ "groups": [ { "group": "239.1.1.1:5000", "to": [{ "to": "10.0.0.5:6000", "mac": "01:00:5e:00:00:01" }] } ] }""", "is not a host MAC")]
    [InlineData("""{ "groups": [ { "group": "239.1.1.1:5000", "to": ["10.0.0.5:6000", "10.0.0.5:6000"] } ] }""", "listed twice")]
    [InlineData("""{ "groups": [ { "group": "239.1.1.1:5000", "to": ["239.1.1.1:5000"] } ] }""", "would loop")]
    [InlineData("""{ "ttl": 0, "groups": [ { "group": "239.1.1.1:5000", "to": ["10.0.0.5:6000"] } ] }""", "ttl: 0 is not a TTL")]
    public void Bad_input_is_one_line_that_says_where(string json, string expected)
    {
        var error = Assert.Throws<FanoutConfigException>(() => FanoutConfigFile.Parse(json, "subs.json"));
        Assert.StartsWith("subs.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("""{ "groups": [ { "group": "239.1.1.1:5000", "to": ["nowhere"] } ] }""", "groups[0].to[0]")]
    [InlineData(null, "--config")]
    public void The_command_line_reports_a_bad_config_in_one_line_with_exit_2(string? json, string expected)
    {
        string path = Path.Combine(Path.GetTempPath(), $"fastpath-fanout-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        if (json is not null) File.WriteAllText(path, json);
        try
        {
            var (exit, stdout, stderr) = FastpathCli.Run("fanout", "--iface", "lo", "--ip", "10.0.0.1/24", "--config", path, "--duration", "1s");
            Assert.Equal(2, exit);
            Assert.Equal("", stdout);
            string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("fastpath: ", line, StringComparison.Ordinal);
            Assert.Contains(json is null ? path : expected, line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new[] { "--to", "10.0.0.5:6000" }, "at least one --group")]
    [InlineData(new[] { "--group", "239.1.1.1:5000" }, "has no destination")]
    [InlineData(new[] { "--group", "239.1.1.1", "--to", "10.0.0.5:6000" }, "--group: '239.1.1.1' is not ADDRESS:PORT")]
    [InlineData(new[] { "--group", "239.1.1.1:5000", "--to", "10.0.0.5:6000,x" }, "--to: 'x'")]
    [InlineData(new[] { "--group", "239.1.1.1:5000", "--to", "239.2.2.2:6000" }, "use --to-group")]
    [InlineData(new[] { "--group", "239.1.1.1:5000", "--to-group", "10.0.0.5:6000" }, "--to-group: 10.0.0.5 is not a multicast group")]
    [InlineData(new[] { "--group", "10.1.1.1:5000", "--to", "10.0.0.5:6000" }, "not a multicast address")]
    public void Bad_options_are_one_line_with_exit_2(string[] options, string expected)
    {
        var (exit, _, stderr) = FastpathCli.Run(["fanout", "--iface", "lo", "--ip", "10.0.0.1/24", "--duration", "1s", .. options]);
        Assert.Equal(2, exit);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
