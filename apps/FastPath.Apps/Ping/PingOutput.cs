using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Ping;

/// <summary>
/// ping's output in iputils' words (ping_common.c): the PING line, one line per reply, the statistics
/// block; then what iputils lacks, the percentiles and a histogram of the round trips; or one JSON object.
/// </summary>
public static class PingOutput
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>"PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data."</summary>
    public static string Header(string host, Ipv4Address address, int dataSize) =>
        string.Create(Invariant, $"PING {host} ({address}) {dataSize}({dataSize + Icmpv4Packet.MinimumHeaderLength + 20}) bytes of data.");

    /// <summary>
    /// "64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.021 ms" (" (DUP!)" after a duplicate), or for an error
    /// "From 10.0.0.254 icmp_seq=1 Time to live exceeded". A host given by name shows as "name (address)".
    /// </summary>
    public static string Line(in PingEvent answer, string host, Ipv4Address address)
    {
        var source = new Ipv4Address(answer.Source);
        if (answer.Kind == PingEventKind.Error)
            return string.Create(Invariant, $"From {source} icmp_seq={answer.Sequence} {ErrorText((Icmpv4Type)answer.IcmpType, answer.IcmpCode)}");
        string from = host == address.ToString() || source != address ? source.ToString() : $"{host} ({source})";
        var line = new StringBuilder();
        line.Append(Invariant, $"{answer.Bytes} bytes from {from}: icmp_seq={answer.Sequence} ttl={answer.Ttl}");
        if (answer.RoundTripNanoseconds >= 0) line.Append(" time=").Append(Time(answer.RoundTripNanoseconds)).Append(" ms");
        if (answer.Kind == PingEventKind.Duplicate) line.Append(" (DUP!)");
        return line.ToString();
    }

    /// <summary>
    /// The round trip in milliseconds as iputils prints it: 3 decimals under 1 ms, 2 under 10, 1 under 100,
    /// none above (iputils rounds to the microsecond first).
    /// </summary>
    public static string Time(long nanoseconds)
    {
        double milliseconds = Math.Round(nanoseconds / 1000.0) / 1000.0;
        return milliseconds switch
        {
            >= 99.95 => milliseconds.ToString("0", Invariant),
            >= 9.995 => milliseconds.ToString("0.0", Invariant),
            >= 1 => milliseconds.ToString("0.00", Invariant),
            _ => milliseconds.ToString("0.000", Invariant),
        };
    }

    /// <summary>iputils' words for an ICMP error (pr_icmph).</summary>
    public static string ErrorText(Icmpv4Type type, byte code) => type switch
    {
        Icmpv4Type.TimeExceeded => code switch
        {
            0 => "Time to live exceeded",
            1 => "Frag reassembly time exceeded",
            _ => string.Create(Invariant, $"Time exceeded, Bad Code: {code}"),
        },
        Icmpv4Type.DestinationUnreachable => code switch
        {
            0 => "Destination Net Unreachable",
            1 => "Destination Host Unreachable",
            2 => "Destination Protocol Unreachable",
            3 => "Destination Port Unreachable",
            4 => "Frag needed and DF set",
            5 => "Source Route Failed",
            6 => "Destination Net Unknown",
            7 => "Destination Host Unknown",
            8 => "Source Host Isolated",
            9 => "Destination Net Prohibited",
            10 => "Destination Host Prohibited",
            11 => "Destination Net Unreachable for Type of Service",
            12 => "Destination Host Unreachable for Type of Service",
            13 => "Packet filtered",
            14 => "Precedence Violation",
            15 => "Precedence Cutoff",
            _ => string.Create(Invariant, $"Dest Unreachable, Bad Code: {code}"),
        },
        _ => string.Create(Invariant, $"Bad ICMP type: {(int)type}"),
    };

    /// <summary>
    /// The statistics block: a blank line, "--- host ping statistics ---", "N packets transmitted, N received,
    /// [+N duplicates, ][+N errors, ]X% packet loss, time Nms", and with replies "rtt min/avg/max/mdev = a/b/c/d ms",
    /// then "rtt p50/p90/p99/p99.9 = a/b/c/d ms" and the histogram.
    /// </summary>
    public static IEnumerable<string> Summary(string host, PingStatistics statistics, bool histogram = true)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        yield return "";
        yield return $"--- {host} ping statistics ---";
        var counts = new StringBuilder();
        counts.Append(Invariant, $"{statistics.Transmitted} packets transmitted, {statistics.Received} received");
        if (statistics.Duplicates > 0) counts.Append(Invariant, $", +{statistics.Duplicates} duplicates");
        if (statistics.Errors > 0) counts.Append(Invariant, $", +{statistics.Errors} errors");
        // iputils prints the loss with %g: 0, 20, 33.3333.
        counts.Append(Invariant, $", {statistics.LossPercent.ToString("G6", Invariant)}% packet loss");
        counts.Append(Invariant, $", time {(long)Math.Round(statistics.Seconds * 1000)}ms");
        yield return counts.ToString();
        if (statistics.Received == 0 || !statistics.Timed || statistics.RoundTrips.Count == 0) yield break;
        var rtt = statistics.RoundTrips;
        yield return $"rtt min/avg/max/mdev = {Ms(rtt.Min)}/{Ms(rtt.Mean)}/{Ms(rtt.Max)}/{Ms(rtt.StandardDeviation)} ms";
        yield return $"rtt p50/p90/p99/p99.9 = {Ms(rtt.Percentile(50))}/{Ms(rtt.Percentile(90))}/{Ms(rtt.Percentile(99))}/{Ms(rtt.Percentile(99.9))} ms";
        if (!histogram) yield break;
        foreach (string line in Histogram(statistics)) yield return line;
    }

    /// <summary>
    /// The round trips in power-of-two bins, one line each from the lowest bin used to the highest:
    /// "  0.016-0.033 ms |##########          | 812". Bars are scaled to the fullest bin.
    /// </summary>
    public static IEnumerable<string> Histogram(PingStatistics statistics, int width = 30)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var bins = new SortedDictionary<int, long>();
        foreach ((long low, _, long count) in statistics.RoundTrips.Buckets())
        {
            int bin = low <= 0 ? 0 : BitOperations.Log2((ulong)low);
            bins[bin] = bins.GetValueOrDefault(bin) + count;
        }
        if (bins.Count == 0) yield break;
        int first = bins.Keys.First();
        int last = bins.Keys.Last();
        long fullest = bins.Values.Max();
        yield return "rtt histogram:";
        for (int bin = first; bin <= last; bin++)
        {
            long count = bins.GetValueOrDefault(bin);
            int bar = count == 0 ? 0 : (int)Math.Max(1, Math.Round(count * (double)width / fullest));
            string range = $"{Ms(bin == 0 ? 0 : 1L << bin)}-{Ms(1L << (bin + 1))} ms";
            yield return string.Create(Invariant, $"  {range,-20} |{new string('#', bar).PadRight(width)}| {count}");
        }
    }

    /// <summary>
    /// One object: "host", "address", "transmitted", "received", "duplicates", "errors", "reordered",
    /// "loss_percent", "seconds", "rtt_us" {"min", "avg", "max", "mdev", "p50", "p90", "p99", "p999"} (null
    /// without timed replies), then what the caller adds (driver, interface).
    /// </summary>
    public static void WriteJson(Utf8JsonWriter writer, string host, Ipv4Address address, PingStatistics statistics, Action<Utf8JsonWriter>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(statistics);
        writer.WriteStartObject();
        writer.WriteString("host", host);
        writer.WriteString("address", address.ToString());
        writer.WriteNumber("transmitted", statistics.Transmitted);
        writer.WriteNumber("received", statistics.Received);
        writer.WriteNumber("duplicates", statistics.Duplicates);
        writer.WriteNumber("errors", statistics.Errors);
        writer.WriteNumber("reordered", statistics.Reordered);
        writer.WriteNumber("loss_percent", Math.Round(statistics.LossPercent, 3));
        writer.WriteNumber("seconds", Math.Round(statistics.Seconds, 6));
        var rtt = statistics.RoundTrips;
        if (rtt.Count == 0)
        {
            writer.WriteNull("rtt_us");
        }
        else
        {
            writer.WriteStartObject("rtt_us");
            writer.WriteNumber("min", Us(rtt.Min));
            writer.WriteNumber("avg", Us(rtt.Mean));
            writer.WriteNumber("max", Us(rtt.Max));
            writer.WriteNumber("mdev", Us(rtt.StandardDeviation));
            writer.WriteNumber("p50", Us(rtt.Percentile(50)));
            writer.WriteNumber("p90", Us(rtt.Percentile(90)));
            writer.WriteNumber("p99", Us(rtt.Percentile(99)));
            writer.WriteNumber("p999", Us(rtt.Percentile(99.9)));
            writer.WriteEndObject();
        }
        extra?.Invoke(writer);
        writer.WriteEndObject();
    }

    private static string Ms(double nanoseconds) => (nanoseconds / 1e6).ToString("0.000", Invariant);

    private static double Us(double nanoseconds) => Math.Round(nanoseconds / 1e3, 3);
}
