using System.Globalization;

namespace FastPath.Apps.Decode;

/// <summary>One line per frame in the manner of <c>tcpdump -e -v</c>, with a verdict at the end.</summary>
public static class DecodedFrameText
{
    public static string Format(DecodedFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var line = new System.Text.StringBuilder(160);
        line.Append(CultureInfo.InvariantCulture, $"{frame.Index,4} ");
        if (frame.Timestamp is { } time) line.Append(time.UtcDateTime.ToString("HH:mm:ss.ffffff ", CultureInfo.InvariantCulture));
        if (frame.Layers.Count == 0) line.Append(CultureInfo.InvariantCulture, $"{frame.CapturedLength} bytes");
        for (int i = 0; i < frame.Layers.Count; i++)
        {
            if (i > 0) line.Append(i == 1 ? ": " : ", ");
            line.Append(frame.Layers[i].Summary);
        }
        if (frame.CapturedLength < frame.Length) line.Append(CultureInfo.InvariantCulture, $" [captured {frame.CapturedLength} of {frame.Length}]");
        line.Append(frame.Valid ? " [valid]" : $" [invalid: {string.Join(' ', frame.Errors)}]");
        return line.ToString();
    }
}
