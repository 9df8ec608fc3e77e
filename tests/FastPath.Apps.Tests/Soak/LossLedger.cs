using System.Globalization;
using System.Text;

namespace FastPath.Apps.Tests.Soak;

/// <summary>
/// Every frame the generator sent, accounted for: received by the sink, or dropped where a counter says so
/// (by reason: the generator's port, each veth end, the responder's port and stack, the sink's port). A frame
/// that no counter explains is lost, and the soak fails on it.
/// </summary>
internal sealed class LossLedger(long sent, long received)
{
    private readonly List<(string Reason, long Count)> _drops = [];

    public long Sent { get; } = sent;
    public long Received { get; } = received;

    public IReadOnlyList<(string Reason, long Count)> Drops => _drops;

    public long Explained => _drops.Sum(drop => drop.Count);

    /// <summary>Frames neither received nor counted as dropped anywhere (0 or less when every one is explained).</summary>
    public long Unexplained => Sent - Received - Explained;

    public void Add(string reason, long count)
    {
        if (count > 0) _drops.Add((reason, count));
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"sent {Sent}, received {Received}, dropped {Explained}");
        text.Append(_drops.Count == 0 ? " (none)" : $" ({string.Join(", ", _drops.Select(drop => $"{drop.Reason} {drop.Count}"))})");
        text.Append(CultureInfo.InvariantCulture, $", unexplained {Math.Max(0, Unexplained)}");
        return text.ToString();
    }
}
