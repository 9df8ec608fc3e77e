using System.Globalization;
using System.Text.RegularExpressions;

namespace FastPath.Apps.Tests.Ping;

/// <summary>
/// Reads the text of a ping run, iputils' (ping_common.c) or `fastpath ping`'s, line by line, failing on any
/// line that has none of the expected shapes: the tests parse what people and scripts parse.
/// </summary>
internal sealed partial class PingOutputFormat
{
    public string Header { get; private set; } = "";

    public List<(int Bytes, string From, int Sequence, int Ttl, double? Milliseconds, bool Duplicate)> Replies { get; } = [];

    public long Transmitted { get; private set; }

    public long Received { get; private set; }

    public long Duplicates { get; private set; }

    public double LossPercent { get; private set; }

    public long TimeMilliseconds { get; private set; }

    public (double Min, double Avg, double Max, double Mdev)? Rtt { get; private set; }

    public (double P50, double P90, double P99, double P999)? Percentiles { get; private set; }

    public List<(double Low, double High, long Count)> Histogram { get; } = [];

    /// <param name="fastpath">Also expect (and require) the percentile line and histogram that only fastpath prints.</param>
    public static PingOutputFormat Parse(string text, string host, bool fastpath)
    {
        var parsed = new PingOutputFormat();
        string[] lines = text.Replace("\r", "", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        int i = 0;
        Match header = HeaderLine().Match(lines[i++]);
        Assert.True(header.Success, $"header: '{lines[0]}'");
        Assert.Equal(host, header.Groups[1].Value);
        Assert.Equal(int.Parse(header.Groups[3].Value, CultureInfo.InvariantCulture) + 28, int.Parse(header.Groups[4].Value, CultureInfo.InvariantCulture));
        parsed.Header = lines[0];
        for (; i < lines.Length && lines[i].Length > 0; i++)
        {
            Match reply = ReplyLine().Match(lines[i]);
            Assert.True(reply.Success, $"reply line {i}: '{lines[i]}'");
            parsed.Replies.Add((Int(reply.Groups[1]), reply.Groups[2].Value, Int(reply.Groups[3]), Int(reply.Groups[4]),
                reply.Groups[5].Success ? Double(reply.Groups[5]) : null, reply.Groups[6].Success));
        }
        Assert.True(i < lines.Length, "no statistics block");
        i++; // the blank line
        Assert.Equal($"--- {host} ping statistics ---", lines[i++]);
        Match counts = CountsLine().Match(lines[i++]);
        Assert.True(counts.Success, $"counts: '{lines[i - 1]}'");
        parsed.Transmitted = Int(counts.Groups[1]);
        parsed.Received = Int(counts.Groups[2]);
        parsed.Duplicates = counts.Groups[3].Success ? Int(counts.Groups[3]) : 0;
        parsed.LossPercent = Double(counts.Groups[5]);
        parsed.TimeMilliseconds = Int(counts.Groups[6]);
        if (i < lines.Length)
        {
            Match rtt = RttLine().Match(lines[i++]);
            Assert.True(rtt.Success, $"rtt: '{lines[i - 1]}'");
            parsed.Rtt = (Double(rtt.Groups[1]), Double(rtt.Groups[2]), Double(rtt.Groups[3]), Double(rtt.Groups[4]));
        }
        if (fastpath && parsed.Rtt is not null)
        {
            Match percentiles = PercentileLine().Match(lines[i++]);
            Assert.True(percentiles.Success, $"percentiles: '{lines[i - 1]}'");
            parsed.Percentiles = (Double(percentiles.Groups[1]), Double(percentiles.Groups[2]), Double(percentiles.Groups[3]), Double(percentiles.Groups[4]));
            Assert.Equal("rtt histogram:", lines[i++]);
            for (; i < lines.Length; i++)
            {
                Match bin = HistogramLine().Match(lines[i]);
                Assert.True(bin.Success, $"histogram line: '{lines[i]}'");
                parsed.Histogram.Add((Double(bin.Groups[1]), Double(bin.Groups[2]), Int(bin.Groups[3])));
            }
        }
        Assert.True(i == lines.Length, $"unexpected line after the summary: '{(i < lines.Length ? lines[i] : "")}'");
        return parsed;
    }

    /// <summary>The checks every run must pass: counts agree with the lines, loss is what the counts say, the statistics order holds.</summary>
    public void AssertConsistent()
    {
        Assert.Equal(Received, Replies.Count(r => !r.Duplicate));
        Assert.Equal(Duplicates, Replies.Count(r => r.Duplicate));
        Assert.Equal(Transmitted == 0 ? 0 : Math.Round((Transmitted - Received) * 100.0 / Transmitted, 3), Math.Round(LossPercent, 3));
        Assert.All(Replies, r => Assert.InRange(r.Sequence, 1, (int)Transmitted));
        if (Rtt is not { } rtt) return;
        Assert.True(rtt.Min > 0 && rtt.Min <= rtt.Avg && rtt.Avg <= rtt.Max, $"rtt {rtt}");
        Assert.True(rtt.Mdev >= 0 && rtt.Mdev <= rtt.Max - rtt.Min + 0.001, $"mdev {rtt}");
        // Each reply's time lies within min..max (the lines round to the microsecond, the summary too).
        Assert.All(Replies.Where(r => r.Milliseconds is not null), r => Assert.InRange(r.Milliseconds!.Value, rtt.Min - 0.0015, rtt.Max + 0.0015 + rtt.Max * 0.01));
        if (Percentiles is { } p)
        {
            // Percentiles come from a histogram with 1% resolution: within 1% of the exact order.
            Assert.True(p.P50 <= p.P90 && p.P90 <= p.P99 && p.P99 <= p.P999, $"percentiles {p}");
            Assert.InRange(p.P50, rtt.Min - 0.001, rtt.Max + 0.001);
            Assert.InRange(p.P999, rtt.Min - 0.001, rtt.Max + 0.001);
            Assert.Equal(Received, Histogram.Sum(bin => bin.Count));
            for (int i = 1; i < Histogram.Count; i++) Assert.Equal(Histogram[i - 1].High, Histogram[i].Low, 3);
        }
    }

    private static int Int(Group group) => int.Parse(group.Value, CultureInfo.InvariantCulture);

    private static double Double(Group group) => double.Parse(group.Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^PING (\S+) \((\d+\.\d+\.\d+\.\d+)\) (\d+)\((\d+)\) bytes of data\.$")]
    private static partial Regex HeaderLine();

    [GeneratedRegex(@"^(\d+) bytes from ([^:]+): icmp_seq=(\d+) ttl=(\d+)(?: time=(\d+(?:\.\d+)?) ms)?( \(DUP!\))?$")]
    private static partial Regex ReplyLine();

    [GeneratedRegex(@"^(\d+) packets transmitted, (\d+) received(?:, \+(\d+) duplicates)?(?:, \+(\d+) errors)?, (\d+(?:\.\d+)?)% packet loss, time (\d+)ms$")]
    private static partial Regex CountsLine();

    [GeneratedRegex(@"^rtt min/avg/max/mdev = (\d+\.\d{3})/(\d+\.\d{3})/(\d+\.\d{3})/(\d+\.\d{3}) ms$")]
    private static partial Regex RttLine();

    [GeneratedRegex(@"^rtt p50/p90/p99/p99\.9 = (\d+\.\d{3})/(\d+\.\d{3})/(\d+\.\d{3})/(\d+\.\d{3}) ms$")]
    private static partial Regex PercentileLine();

    [GeneratedRegex(@"^  (\d+\.\d{3})-(\d+\.\d{3}) ms +\|#* *\| (\d+)$")]
    private static partial Regex HistogramLine();
}
