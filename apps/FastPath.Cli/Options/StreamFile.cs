using System.Text.Json;
using FastPath.Apps.Generator;

namespace FastPath.Cli.Options;

/// <summary>
/// Reads a --streams file: a JSON array of stream objects, or an object with a "streams" array. Each key
/// is optional and falls back to the command line's value:
/// <code>
/// { "streams": [
///   { "id": 1, "proto": "udp", "src_ip": "10.0.0.1-10.0.0.50", "dst_ip": "10.0.1.1", "src_port": 1024,
///     "dst_port": 9, "flows": 64, "size": "imix", "rate": "200kpps", "random": true, "seed": 7,
///     "src_mac": "02:00:00:00:00:01", "dst_mac": "02:00:00:00:00:02", "signature": true },
///   { "id": 2, "proto": "icmp", "size": 128, "rate": "10Mbps" } ] }
/// </code>
/// Ids default to the stream's index. Unknown keys are errors, so a typo does not silently send the default.
/// </summary>
internal static class StreamFile
{
    private static readonly HashSet<string> Keys =
        ["id", "proto", "src_mac", "dst_mac", "src_ip", "dst_ip", "src_port", "dst_port", "flows", "size", "rate", "random", "seed", "signature"];

    public static IReadOnlyList<StreamSpec> Read(string path, StreamDefaults defaults)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandLineException($"--streams: cannot read {path}: {e.Message}");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new CommandLineException($"--streams: {path} is not valid JSON: {e.Message}");
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            JsonElement array = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("streams", out JsonElement inner) ? inner : root;
            if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() == 0)
                throw new CommandLineException($"--streams: {path} has no streams (expected an array of objects, or {{\"streams\": [...]}})");
            var streams = new List<StreamSpec>();
            int index = 0;
            foreach (JsonElement entry in array.EnumerateArray())
            {
                streams.Add(ReadOne(entry, index, defaults with { Id = (ushort)index }));
                index++;
            }
            return streams;
        }
    }

    private static StreamSpec ReadOne(JsonElement entry, int index, StreamDefaults defaults)
    {
        string where = $"--streams: stream {index}: ";
        if (entry.ValueKind != JsonValueKind.Object) throw new CommandLineException($"{where}not an object");
        foreach (JsonProperty property in entry.EnumerateObject())
        {
            if (!Keys.Contains(property.Name))
                throw new CommandLineException($"{where}unknown key \"{property.Name}\" (known: {string.Join(", ", Keys)})");
        }
        StreamDefaults settings = defaults;
        if (Text(entry, "proto", where) is { } proto) settings = settings with { Protocol = ValueParsers.Protocol(proto, where + "proto") };
        if (Text(entry, "src_mac", where) is { } srcMac) settings = settings with { SourceMac = ValueParsers.Mac(srcMac, where + "src_mac") };
        if (Text(entry, "dst_mac", where) is { } dstMac) settings = settings with { DestinationMac = ValueParsers.Mac(dstMac, where + "dst_mac") };
        if (Text(entry, "src_ip", where) is { } srcIp) settings = settings with { SourceIps = ValueParsers.Ipv4Range(srcIp, where + "src_ip") };
        if (Text(entry, "dst_ip", where) is { } dstIp) settings = settings with { DestinationIps = ValueParsers.Ipv4Range(dstIp, where + "dst_ip") };
        if (Number(entry, "src_port", where, ushort.MaxValue) is { } srcPort) settings = settings with { SourcePort = (ushort)srcPort };
        if (Number(entry, "dst_port", where, ushort.MaxValue) is { } dstPort) settings = settings with { DestinationPort = (ushort)dstPort };
        if (Number(entry, "flows", where, ushort.MaxValue + 1L) is { } flows) settings = settings with { Flows = (int)flows };
        if (Number(entry, "id", where, ushort.MaxValue) is { } id) settings = settings with { Id = (ushort)id };
        if (Number(entry, "seed", where, long.MaxValue) is { } seed) settings = settings with { Seed = (ulong)seed };
        if (entry.TryGetProperty("size", out JsonElement size))
        {
            string sizeText = size.ValueKind == JsonValueKind.Number ? size.GetRawText() : size.ValueKind == JsonValueKind.String ? size.GetString()! : throw new CommandLineException($"{where}size must be a number or a string");
            settings = settings with { Sizes = ValueParsers.Sizes(sizeText, where + "size") };
        }
        if (Text(entry, "rate", where) is { } rate) settings = settings with { Rate = ValueParsers.Rate(rate, where + "rate") };
        if (Flag(entry, "random", where) is { } random) settings = settings with { RandomOrder = random };
        if (Flag(entry, "signature", where) is { } signature) settings = settings with { Signature = signature };
        if (settings.Flows < 1) throw new CommandLineException($"{where}flows must be at least 1");
        return settings.ToStream(where);
    }

    private static string? Text(JsonElement entry, string key, string where)
    {
        if (!entry.TryGetProperty(key, out JsonElement value)) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new CommandLineException($"{where}{key} must be a string");
    }

    private static long? Number(JsonElement entry, string key, string where, long max)
    {
        if (!entry.TryGetProperty(key, out JsonElement value)) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long number) || number < 0 || number > max)
            throw new CommandLineException($"{where}{key} must be a whole number from 0 to {max}");
        return number;
    }

    private static bool? Flag(JsonElement entry, string key, string where)
    {
        if (!entry.TryGetProperty(key, out JsonElement value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new CommandLineException($"{where}{key} must be true or false"),
        };
    }
}
