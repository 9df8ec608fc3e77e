using System.Globalization;
using System.Text.RegularExpressions;
using FastPath.Engine.Telemetry;

namespace FastPath.Apps.Lab;

/// <summary>
/// Reads iputils ping's text into a row: the counts from its statistics line and the percentiles from its
/// per-reply times (iputils prints only min/avg/max/mdev itself).
/// </summary>
internal static partial class DemoLabKernelPing
{
    public static DemoLabPingRow Read(string output, DemoLabPingRow row)
    {
        Match counts = CountsLine().Match(output);
        if (!counts.Success) return row with { Failure = "ping printed no statistics" };
        var histogram = new LatencyHistogram();
        foreach (Match reply in TimeOfReply().Matches(output))
        {
            if (reply.Groups[2].Success) continue; // (DUP!)
            histogram.Record((long)Math.Round(double.Parse(reply.Groups[1].Value, CultureInfo.InvariantCulture) * 1e6));
        }
        DemoLabRoundTrips? roundTrips = histogram.Count == 0 ? null : new DemoLabRoundTrips(
            Us(histogram.Min), Us(histogram.Mean), Us(histogram.Max),
            Us(histogram.Percentile(50)), Us(histogram.Percentile(90)), Us(histogram.Percentile(99)), Us(histogram.Percentile(99.9)));
        return row with
        {
            Transmitted = long.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture),
            Received = long.Parse(counts.Groups[2].Value, CultureInfo.InvariantCulture),
            RoundTrips = roundTrips,
        };
    }

    private static double Us(double nanoseconds) => Math.Round(nanoseconds / 1e3, 3);

    [GeneratedRegex(@"^(\d+) packets transmitted, (\d+) received", RegexOptions.Multiline)]
    private static partial Regex CountsLine();

    [GeneratedRegex(@"icmp_seq=\d+ ttl=\d+ time=(\d+(?:\.\d+)?) ms( \(DUP!\))?", RegexOptions.Multiline)]
    private static partial Regex TimeOfReply();
}
