using System.Globalization;
using System.Text.Json;
using FastPath.Wire.Ethernet;

namespace FastPath.Apps.Fanout;

/// <summary>
/// Reads a fan-out configuration (JSON), for the hundreds of subscribers a command line cannot hold:
/// <code>
/// {
///   "ttl": 64, "group_ttl": 1,
///   "groups": [
///     { "group": "239.1.1.1:5000",
///       "to": [ "10.0.0.5:6000", { "to": "10.0.0.6:6000", "mac": "02:00:00:00:00:06" }, "239.2.2.2:7000" ] }
///   ]
/// }
/// </code>
/// A destination is "ADDRESS:PORT" or an object with "to" and an optional static "mac" (no ARP for it).
/// Every error is one line that names the file and the place: <c>fanout.json: groups[2].to[5]: ...</c>.
/// </summary>
public static class FanoutConfigFile
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static FanoutSettings Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FanoutConfigException($"{path}: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses <paramref name="json"/>; <paramref name="source"/> names it in errors.</summary>
    public static FanoutSettings Parse(string json, string source = "config")
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new FanoutConfigException($"{source}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})", e);
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Error(source, "", "the top level must be an object with \"groups\"");
            var groups = new List<FanoutGroup>();
            byte ttl = 64, groupTtl = 1;
            foreach (JsonProperty property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "groups":
                        if (property.Value.ValueKind != JsonValueKind.Array) throw Error(source, "groups", "must be an array");
                        int index = 0;
                        foreach (JsonElement group in property.Value.EnumerateArray())
                            groups.Add(ReadGroup(group, source, $"groups[{(index++).ToString(CultureInfo.InvariantCulture)}]"));
                        break;
                    case "ttl":
                        ttl = ReadTtl(property.Value, source, "ttl");
                        break;
                    case "group_ttl":
                        groupTtl = ReadTtl(property.Value, source, "group_ttl");
                        break;
                    default:
                        throw Error(source, property.Name, "unknown setting (expected groups, ttl, group_ttl)");
                }
            }
            if (groups.Count == 0) throw Error(source, "groups", "no group listed");
            var settings = new FanoutSettings { Groups = groups, UnicastTtl = ttl, GroupTtl = groupTtl };
            try
            {
                settings.Validate();
            }
            catch (FanoutConfigException e)
            {
                throw new FanoutConfigException($"{source}: {e.Message}", e);
            }
            return settings;
        }
    }

    private static FanoutGroup ReadGroup(JsonElement element, string source, string where)
    {
        if (element.ValueKind != JsonValueKind.Object) throw Error(source, where, "must be an object with \"group\" and \"to\"");
        FanoutEndpoint? group = null;
        var destinations = new List<FanoutDestination>();
        bool hasTo = false;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "group":
                    group = ReadEndpoint(property.Value, source, $"{where}.group");
                    break;
                case "to":
                    hasTo = true;
                    if (property.Value.ValueKind != JsonValueKind.Array) throw Error(source, $"{where}.to", "must be an array of \"ADDRESS:PORT\" or {\"to\", \"mac\"}");
                    int index = 0;
                    foreach (JsonElement destination in property.Value.EnumerateArray())
                        destinations.Add(ReadDestination(destination, source, $"{where}.to[{(index++).ToString(CultureInfo.InvariantCulture)}]"));
                    break;
                default:
                    throw Error(source, $"{where}.{property.Name}", "unknown field (expected group, to)");
            }
        }
        if (group is null) throw Error(source, where, "has no \"group\"");
        if (!hasTo || destinations.Count == 0) throw Error(source, where, $"group {group} has no destination in \"to\"");
        return new FanoutGroup(group.Value, destinations);
    }

    private static FanoutDestination ReadDestination(JsonElement element, string source, string where)
    {
        if (element.ValueKind == JsonValueKind.String) return new FanoutDestination(ReadEndpoint(element, source, where));
        if (element.ValueKind != JsonValueKind.Object) throw Error(source, where, "must be \"ADDRESS:PORT\" or {\"to\": \"ADDRESS:PORT\", \"mac\": \"..\"}");
        FanoutEndpoint? to = null;
        MacAddress? mac = null;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "to":
                    to = ReadEndpoint(property.Value, source, $"{where}.to");
                    break;
                case "mac":
                    if (property.Value.ValueKind != JsonValueKind.String || !MacAddress.TryParse(property.Value.GetString(), out MacAddress parsed))
                        throw Error(source, $"{where}.mac", $"{property.Value.GetRawText()} is not a MAC address (02:00:00:00:00:01)");
                    mac = parsed;
                    break;
                default:
                    throw Error(source, $"{where}.{property.Name}", "unknown field (expected to, mac)");
            }
        }
        if (to is null) throw Error(source, where, "has no \"to\"");
        return new FanoutDestination(to.Value, mac);
    }

    private static FanoutEndpoint ReadEndpoint(JsonElement element, string source, string where)
    {
        if (element.ValueKind != JsonValueKind.String || !FanoutEndpoint.TryParse(element.GetString(), out FanoutEndpoint endpoint))
            throw Error(source, where, $"{element.GetRawText()} is not \"ADDRESS:PORT\" (e.g. \"239.1.1.1:5000\")");
        return endpoint;
    }

    private static byte ReadTtl(JsonElement element, string source, string where)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out int value) || value is < 1 or > 255)
            throw Error(source, where, $"{element.GetRawText()} is not a TTL (1-255)");
        return (byte)value;
    }

    private static FanoutConfigException Error(string source, string where, string what) =>
        new(where.Length == 0 ? $"{source}: {what}" : $"{source}: {where}: {what}");
}
