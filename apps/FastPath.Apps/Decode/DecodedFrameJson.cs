using System.Globalization;
using System.Text.Json;

namespace FastPath.Apps.Decode;

/// <summary>Writes a <see cref="DecodedFrame"/> as one JSON object: index, length, one object per layer, valid, errors.</summary>
public static class DecodedFrameJson
{
    public static void Write(Utf8JsonWriter writer, DecodedFrame frame)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(frame);
        writer.WriteStartObject();
        writer.WriteNumber("index", frame.Index);
        writer.WriteNumber("length", frame.Length);
        writer.WriteNumber("captured_length", frame.CapturedLength);
        if (frame.Timestamp is { } time)
        {
            // Seconds since the epoch with the full 100 ns resolution: a double would round microseconds away.
            long ticks = (time - DateTimeOffset.UnixEpoch).Ticks;
            writer.WritePropertyName("timestamp");
            writer.WriteRawValue(string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerSecond}.{ticks % TimeSpan.TicksPerSecond:D7}"));
        }
        foreach (var layer in frame.Layers)
        {
            writer.WritePropertyName(layer.Name);
            WriteLayer(writer, layer);
        }
        writer.WriteBoolean("valid", frame.Valid);
        writer.WriteStartArray("errors");
        foreach (string error in frame.Errors) writer.WriteStringValue(error);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static string ToJson(DecodedFrame frame)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) Write(writer, frame);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteLayer(Utf8JsonWriter writer, DecodedLayer layer)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in layer.Fields)
        {
            writer.WritePropertyName(key);
            WriteValue(writer, value);
        }
        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case int i: writer.WriteNumberValue(i); break;
            case long l: writer.WriteNumberValue(l); break;
            case DecodedLayer nested: WriteLayer(writer, nested); break;
            case IEnumerable<object?> list:
                writer.WriteStartArray();
                foreach (object? item in list) WriteValue(writer, item);
                writer.WriteEndArray();
                break;
            default: throw new InvalidOperationException($"no JSON form for {value.GetType().Name}");
        }
    }
}
