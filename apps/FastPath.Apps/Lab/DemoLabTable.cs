using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FastPath.Apps.Lab;

/// <summary><c>fastpath lab</c>'s output: one table of every row, or the same as one JSON object.</summary>
public static class DemoLabTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The table, a title line first; rows that could not run say why in place of their figures.</summary>
    public static string Text(DemoLabResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var text = new StringBuilder();
        text.Append(Invariant, $"fastpath lab {results.LabId}: namespaces joined by veth, {results.PhaseSeconds:0.#} s per phase, {results.ElapsedSeconds:0.0} s in all\n\n");
        text.Append(Invariant, $"{"test",-38} {"packets",9} {"loss",7}  {"rate",-24} {"p50 us",8} {"p90 us",8} {"p99 us",8} {"p99.9 us",9}\n");
        foreach (DemoLabPingRow row in results.Ping)
        {
            string name = $"rtt: {row.Pinger} -> {row.Responder}";
            if (row.Failure is { } failure)
            {
                text.Append(Invariant, $"{name,-38} {failure}\n");
                continue;
            }
            DemoLabRoundTrips? rtt = row.RoundTrips;
            text.Append(Invariant, $"{name,-38} {row.Received,9} {Percent(row.LossPercent),7}  {"",-24} {Us(rtt?.P50),8} {Us(rtt?.P90),8} {Us(rtt?.P99),8} {Us(rtt?.P999),9}\n");
        }
        DemoLabTrafficRow traffic = results.Traffic;
        const string trafficName = "traffic: fastpath gen -> fastpath sink";
        if (traffic.Failure is { } trafficFailure) text.Append(Invariant, $"{trafficName,-38} {trafficFailure}\n");
        else text.Append(Invariant, $"{trafficName,-38} {traffic.RxPackets,9} {Percent(traffic.LossPercent),7}  {$"{traffic.RxPps / 1e3:0.0} kpps {traffic.RxWireBps / 1e9:0.000} Gbit/s",-24}\n");
        DemoLabFanoutRow fanout = results.Fanout;
        const string fanoutName = "fan-out: 1 group -> 3 receivers";
        if (!fanout.Available) text.Append(Invariant, $"{fanoutName,-38} not available ({fanout.Failure})\n");
        else if (fanout.Failure is { } fanoutFailure) text.Append(Invariant, $"{fanoutName,-38} {fanoutFailure}\n");
        else
        {
            string rate = $"{fanout.RatePps / 1e3:0.0} kpps x {fanout.Delivered.Count}{(fanout.InOrder ? ", in order" : $", {fanout.Reordered} reordered, {fanout.Duplicates} dup")}";
            text.Append(Invariant, $"{fanoutName,-38} {fanout.Delivered.Sum(),9} {Percent(fanout.LossPercent),7}  {rate,-24}\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// One object: "lab", "phase_seconds", "elapsed_seconds", "ping": [{"pinger", "responder", "transmitted",
    /// "received", "loss_percent", "rtt_us": {"min", "avg", "max", "p50", "p90", "p99", "p999"} | null, "error"}],
    /// "traffic": {"tx_packets", "tx_pps", "rx_packets", "rx_pps", "rx_gbps", "loss_percent", "frame_size", "driver", "error"},
    /// "fanout": {"available", "sent", "delivered": [..], "copies_sent": [..], "in_order", "reordered", "duplicates", "rate_pps", "loss_percent", "error"}, "ok".
    /// </summary>
    public static void WriteJson(Utf8JsonWriter writer, DemoLabResults results)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(results);
        writer.WriteStartObject();
        writer.WriteString("lab", results.LabId);
        writer.WriteNumber("phase_seconds", results.PhaseSeconds);
        writer.WriteNumber("elapsed_seconds", Math.Round(results.ElapsedSeconds, 3));
        writer.WriteStartArray("ping");
        foreach (DemoLabPingRow row in results.Ping)
        {
            writer.WriteStartObject();
            writer.WriteString("pinger", row.Pinger);
            writer.WriteString("responder", row.Responder);
            writer.WriteNumber("transmitted", row.Transmitted);
            writer.WriteNumber("received", row.Received);
            writer.WriteNumber("loss_percent", Math.Round(row.LossPercent, 3));
            if (row.RoundTrips is { } rtt)
            {
                writer.WriteStartObject("rtt_us");
                writer.WriteNumber("min", rtt.Min);
                writer.WriteNumber("avg", rtt.Avg);
                writer.WriteNumber("max", rtt.Max);
                writer.WriteNumber("p50", rtt.P50);
                writer.WriteNumber("p90", rtt.P90);
                writer.WriteNumber("p99", rtt.P99);
                writer.WriteNumber("p999", rtt.P999);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("rtt_us");
            }
            writer.WriteString("error", row.Failure);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();

        DemoLabTrafficRow traffic = results.Traffic;
        writer.WriteStartObject("traffic");
        writer.WriteString("sender", "fastpath gen");
        writer.WriteString("receiver", "fastpath sink");
        writer.WriteNumber("tx_packets", traffic.TxPackets);
        writer.WriteNumber("tx_pps", Math.Round(traffic.TxPps, 1));
        writer.WriteNumber("rx_packets", traffic.RxPackets);
        writer.WriteNumber("rx_pps", Math.Round(traffic.RxPps, 1));
        writer.WriteNumber("rx_gbps", Math.Round(traffic.RxWireBps / 1e9, 6));
        writer.WriteNumber("loss_percent", Math.Round(traffic.LossPercent, 3));
        writer.WriteNumber("frame_size", traffic.FrameSize);
        writer.WriteString("driver", traffic.Driver);
        writer.WriteString("error", traffic.Failure);
        writer.WriteEndObject();

        DemoLabFanoutRow fanout = results.Fanout;
        writer.WriteStartObject("fanout");
        writer.WriteBoolean("available", fanout.Available);
        writer.WriteNumber("sent", fanout.Sent);
        writer.WriteStartArray("delivered");
        foreach (long count in fanout.Delivered) writer.WriteNumberValue(count);
        writer.WriteEndArray();
        writer.WriteStartArray("copies_sent");
        foreach (long count in fanout.CopiesSent) writer.WriteNumberValue(count);
        writer.WriteEndArray();
        writer.WriteBoolean("in_order", fanout.InOrder);
        writer.WriteNumber("reordered", fanout.Reordered);
        writer.WriteNumber("duplicates", fanout.Duplicates);
        writer.WriteNumber("rate_pps", fanout.RatePps);
        writer.WriteNumber("loss_percent", Math.Round(fanout.Available && fanout.Failure is null ? fanout.LossPercent : 0, 3));
        writer.WriteString("error", fanout.Failure);
        writer.WriteEndObject();
        writer.WriteBoolean("ok", results.AllSucceeded);
        writer.WriteEndObject();
    }

    private static string Percent(double value) => value.ToString("0.00", Invariant) + "%";

    private static string Us(double? value) => value is { } v ? v.ToString("0.0", Invariant) : "-";
}
