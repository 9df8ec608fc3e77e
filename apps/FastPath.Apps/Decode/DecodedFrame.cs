namespace FastPath.Apps.Decode;

/// <summary>What <see cref="FrameDecoder"/> made of one frame: its layers, outermost first, and what was wrong with it.</summary>
public sealed class DecodedFrame
{
    public required int Index { get; init; }
    /// <summary>Length of the frame on the wire (pcap orig_len).</summary>
    public required int Length { get; init; }
    /// <summary>Bytes captured (pcap incl_len); less than <see cref="Length"/> when the capture was cut at the snap length.</summary>
    public required int CapturedLength { get; init; }
    public DateTimeOffset? Timestamp { get; init; }

    public List<DecodedLayer> Layers { get; } = [];

    /// <summary>Short codes, "layer.problem": "ipv4.checksum", "tcp.truncated", "ipv4.ihl".</summary>
    public List<string> Errors { get; } = [];

    /// <summary>True when every header is well formed and every checksum that is present is right.</summary>
    public bool Valid => Errors.Count == 0;

    public DecodedLayer? Layer(string name) => Layers.Find(l => l.Name == name);
}
