using System.Text.Json;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;

namespace FastPath.Engine.Telemetry;

/// <summary>
/// The JSON shapes of FastPath's counters, written with <see cref="Utf8JsonWriter"/> (no reflection, no
/// intermediate objects). Names are snake_case, counters are integers, and every object is flat enough to
/// feed jq or a metrics pipeline as it is.
/// </summary>
public static class TelemetryJson
{
    /// <summary>One worker's counters: <c>{"worker":0,"cpu":1,"state":"running","rx_packets":...,"port":{...}}</c>. Totals omit worker and cpu.</summary>
    public static void WriteWorker(Utf8JsonWriter writer, in WorkerStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        if (statistics.WorkerId >= 0) writer.WriteNumber("worker", statistics.WorkerId);
        if (statistics.WorkerId >= 0) writer.WriteNumber("cpu", statistics.Cpu);
        writer.WriteString("state", StateName(statistics.State));
        writer.WriteNumber("loops", statistics.Loops);
        writer.WriteNumber("idle_loops", statistics.IdleLoops);
        writer.WriteNumber("sleeps", statistics.Sleeps);
        writer.WriteNumber("rx_packets", statistics.RxPackets);
        writer.WriteNumber("tx_packets", statistics.TxPackets);
        writer.WriteNumber("tx_refused", statistics.TxRefused);
        writer.WriteNumber("timers_fired", statistics.TimersFired);
        writer.WriteNumber("timer_overflows", statistics.TimerOverflows);
        writer.WriteNumber("steered_out", statistics.SteeredOut);
        writer.WriteNumber("steered_in", statistics.SteeredIn);
        writer.WriteNumber("steering_drops", statistics.SteeringDrops);
        writer.WriteNumber("frames_not_returned", statistics.FramesNotReturned);
        writer.WritePropertyName("port");
        WritePort(writer, statistics.Port);
        writer.WriteEndObject();
    }

    /// <summary>A port's counters, as <see cref="PortStats"/> names them.</summary>
    public static void WritePort(Utf8JsonWriter writer, in PortStats stats)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        WritePortMembers(writer, stats);
        writer.WriteEndObject();
    }

    /// <summary>The members of <see cref="WritePort"/> without the braces, for an object that adds its own (a queue, a pool).</summary>
    public static void WritePortMembers(Utf8JsonWriter writer, in PortStats stats)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumber("rx_packets", stats.RxPackets);
        writer.WriteNumber("rx_bytes", stats.RxBytes);
        writer.WriteNumber("tx_packets", stats.TxPackets);
        writer.WriteNumber("tx_bytes", stats.TxBytes);
        writer.WriteNumber("rx_dropped", stats.RxDropped);
        writer.WriteNumber("rx_invalid", stats.RxInvalid);
        writer.WriteNumber("rx_ring_full", stats.RxRingFull);
        writer.WriteNumber("fill_ring_empty", stats.FillRingEmpty);
        writer.WriteNumber("tx_ring_full", stats.TxRingFull);
        writer.WriteNumber("tx_invalid", stats.TxInvalid);
        writer.WriteNumber("tx_dropped", stats.TxDropped);
        writer.WriteNumber("link_downs", stats.LinkDowns);
        writer.WriteNumber("tx_link_down", stats.TxLinkDown);
    }

    /// <summary>
    /// A latency histogram: <c>{"count":n,"min":..,"max":..,"mean":..,"stddev":..,"p50":..,"p90":..,"p99":..,"p99_9":..,"p99_99":..,"saturated":..}</c>,
    /// values in the histogram's unit (nanoseconds).
    /// </summary>
    public static void WriteHistogram(Utf8JsonWriter writer, LatencyHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(histogram);
        writer.WriteStartObject();
        writer.WriteNumber("count", histogram.Count);
        writer.WriteNumber("min", histogram.Min);
        writer.WriteNumber("max", histogram.Max);
        writer.WriteNumber("mean", Math.Round(histogram.Mean, 1));
        writer.WriteNumber("stddev", Math.Round(histogram.StandardDeviation, 1));
        writer.WriteNumber("p50", histogram.Percentile(50));
        writer.WriteNumber("p90", histogram.Percentile(90));
        writer.WriteNumber("p99", histogram.Percentile(99));
        writer.WriteNumber("p99_9", histogram.Percentile(99.9));
        writer.WriteNumber("p99_99", histogram.Percentile(99.99));
        writer.WriteNumber("saturated", histogram.Saturated);
        writer.WriteEndObject();
    }

    /// <summary>Drops by reason: <c>{"total":n,"bad_checksum":..,...}</c>, every reason present (zeros too), so the keys never depend on the traffic.</summary>
    public static void WriteDrops<TReason>(Utf8JsonWriter writer, DropCounters<TReason> drops) where TReason : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(drops);
        writer.WriteStartObject();
        writer.WriteNumber("total", drops.Total);
        for (int i = 0; i < drops.ReasonCount; i++) writer.WriteNumber(drops.JsonNameAt(i), drops.CountAt(i));
        writer.WriteEndObject();
    }

    /// <summary>PascalCase to snake_case: "BadChecksum" → "bad_checksum", "NoArpEntry" → "no_arp_entry", "Ipv4Options" → "ipv4_options".</summary>
    public static string ToSnakeCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = new System.Text.StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool acronymEnds = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (previousIsLowerOrDigit || acronymEnds) text.Append('_');
                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }

    private static string StateName(WorkerState state) => state switch
    {
        WorkerState.Created => "created",
        WorkerState.Starting => "starting",
        WorkerState.Running => "running",
        WorkerState.Stopping => "stopping",
        _ => "stopped",
    };
}
