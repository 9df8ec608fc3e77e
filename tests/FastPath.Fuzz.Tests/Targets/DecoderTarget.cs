using System.Text.Json;
using FastPath.Apps.Decode;

namespace FastPath.Fuzz.Tests.Targets;

/// <summary>
/// <c>fastpath decode</c>'s decoder over one frame, and both its outputs: the text line and the JSON object,
/// which must be one valid JSON document with no member name twice in an object (RFC 8259 section 4: names
/// SHOULD be unique; jq and most parsers keep only the last).
/// </summary>
internal sealed class DecoderTarget
{
    private long _index;

    public void Run(Span<byte> frame)
    {
        DecodedFrame decoded = FrameDecoder.Decode(frame, (int)(++_index % int.MaxValue));
        string text = DecodedFrameText.Format(decoded);
        if (text.Contains('\n', StringComparison.Ordinal)) throw new FuzzFailureException($"decode: the text line has a line break: {text}");
        string json = DecodedFrameJson.ToJson(decoded);
        using JsonDocument document = JsonDocument.Parse(json);
        CheckUniqueNames(document.RootElement, json);
    }

    private static void CheckUniqueNames(JsonElement element, string json)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (!names.Add(property.Name)) throw new FuzzFailureException($"decode: JSON member \"{property.Name}\" appears twice in one object: {json}");
                    CheckUniqueNames(property.Value, json);
                }
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray()) CheckUniqueNames(item, json);
                break;
        }
    }
}
