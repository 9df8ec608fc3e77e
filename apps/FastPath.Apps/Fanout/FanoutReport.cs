using System.Globalization;
using System.Text;
using System.Text.Json;
using FastPath.Engine.Telemetry;

namespace FastPath.Apps.Fanout;

/// <summary>What a fan-out did, summed over its workers: per group the datagrams received, per destination the copies sent and dropped by reason, and the receive-to-last-copy latency.</summary>
public sealed class FanoutReport
{
    private FanoutReport(IReadOnlyList<GroupReport> groups, LatencyHistogram latency, long ignored)
    {
        Groups = groups;
        Latency = latency;
        Ignored = ignored;
    }

    public IReadOnlyList<GroupReport> Groups { get; }

    /// <summary>Nanoseconds from a datagram's arrival to its last copy queued, over all groups.</summary>
    public LatencyHistogram Latency { get; }

    public long Ignored { get; }

    public long Received => Groups.Sum(group => group.Received);

    public long Sent => Groups.Sum(group => group.Destinations.Sum(destination => destination.Sent));

    public long Dropped => Groups.Sum(group => group.Destinations.Sum(destination => destination.Drops.Total));

    /// <summary>Sums the workers' counters (each worker ran the same settings).</summary>
    public static FanoutReport From(IReadOnlyList<MulticastFanout> workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        if (workers.Count == 0) throw new ArgumentException("no worker", nameof(workers));
        var latency = new LatencyHistogram();
        foreach (MulticastFanout worker in workers) latency.Merge(worker.Latency);
        var groups = new List<GroupReport>();
        FanoutSettings settings = workers[0].Settings;
        for (int g = 0; g < settings.Groups.Count; g++)
        {
            FanoutGroup spec = settings.Groups[g];
            long received = 0;
            var destinations = spec.Destinations.Select(destination => new DestinationReport(destination)).ToArray();
            foreach (MulticastFanout worker in workers)
            {
                var (_, groupReceived, targets) = worker.Groups.ElementAt(g);
                received += groupReceived;
                int d = 0;
                foreach (FanoutTarget target in targets)
                {
                    destinations[d].Sent += target.Sent;
                    destinations[d].SentBytes += target.SentBytes;
                    destinations[d].Drops.Add(target.Drops);
                    d++;
                }
            }
            groups.Add(new GroupReport(spec.Group, received, destinations));
        }
        return new FanoutReport(groups, latency, workers.Sum(worker => worker.Ignored));
    }

    /// <summary>The report's members (no braces), to embed in a command's JSON object.</summary>
    public void WriteJsonMembers(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumber("received", Received);
        writer.WriteNumber("sent", Sent);
        writer.WriteNumber("dropped", Dropped);
        writer.WriteNumber("ignored", Ignored);
        writer.WriteStartArray("groups");
        foreach (GroupReport group in Groups)
        {
            writer.WriteStartObject();
            writer.WriteString("group", group.Group.ToString());
            writer.WriteNumber("received", group.Received);
            writer.WriteStartArray("destinations");
            foreach (DestinationReport destination in group.Destinations)
            {
                writer.WriteStartObject();
                writer.WriteString("to", destination.Destination.ToString());
                writer.WriteNumber("sent", destination.Sent);
                writer.WriteNumber("bytes", destination.SentBytes);
                writer.WritePropertyName("dropped");
                TelemetryJson.WriteDrops(writer, destination.Drops);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WritePropertyName("latency_ns");
        TelemetryJson.WriteHistogram(writer, Latency);
    }

    /// <summary>The per-destination table printed on exit.</summary>
    public string ToTable()
    {
        var table = new StringBuilder();
        var drops = new DropCounters<FanoutDropReason>();
        int width = Math.Max(22, Groups.SelectMany(group => group.Destinations).Select(destination => destination.Destination.ToString().Length + 2).DefaultIfEmpty(0).Max());
        string header = string.Concat(Enumerable.Range(0, drops.ReasonCount).Select(i => drops.JsonNameAt(i).PadLeft(13)));
        foreach (GroupReport group in Groups)
        {
            table.Append(CultureInfo.InvariantCulture, $"group {group.Group}: {group.Received} datagrams received\n");
            table.Append(CultureInfo.InvariantCulture, $"  {"destination".PadRight(width)}{"sent",12}{header}\n");
            foreach (DestinationReport destination in group.Destinations)
            {
                table.Append(CultureInfo.InvariantCulture, $"  {destination.Destination.ToString().PadRight(width)}{destination.Sent,12}");
                for (int i = 0; i < destination.Drops.ReasonCount; i++) table.Append(CultureInfo.InvariantCulture, $"{destination.Drops.CountAt(i),13}");
                table.Append('\n');
            }
        }
        table.Append(CultureInfo.InvariantCulture, $"{Received} datagrams received, {Sent} copies sent, {Dropped} dropped");
        if (Latency.Count > 0)
        {
            table.Append(CultureInfo.InvariantCulture,
                $"; receive to last copy p50 {Micros(Latency.Percentile(50))} us, p99 {Micros(Latency.Percentile(99))} us, max {Micros(Latency.Max)} us");
        }
        table.Append('\n');
        return table.ToString();
    }

    private static string Micros(long nanoseconds) => (nanoseconds / 1000.0).ToString("0.0##", CultureInfo.InvariantCulture);

    public sealed record GroupReport(FanoutEndpoint Group, long Received, IReadOnlyList<DestinationReport> Destinations);

    public sealed class DestinationReport(FanoutDestination destination)
    {
        public FanoutDestination Destination { get; } = destination;

        public long Sent { get; internal set; }

        public long SentBytes { get; internal set; }

        public DropCounters<FanoutDropReason> Drops { get; } = new();
    }
}
