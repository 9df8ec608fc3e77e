using System.Text.Json;

namespace FastPath.Apps.Tests.Soak;

/// <summary>One port's frame pool and counters in one line of <c>--stats-json</c>.</summary>
internal readonly record struct PortSample(int Queue, int PoolInUse, int PoolCapacity, long RxPackets, long TxPackets, long RxDropped, long TxRingFull, long TxDropped);

/// <summary>One line of a process's <c>--stats-json</c> file: its state at second <see cref="Seconds"/>.</summary>
internal sealed record StatsSample(
    double Seconds, bool Final, long RssBytes, long HeapBytes, long HeapAfterGcBytes, long AllocatedBytes,
    int Gen0, int Gen1, int Gen2, IReadOnlyList<PortSample> Ports, JsonElement Counters);

/// <summary>Reads a <c>--stats-json</c> file, also while the process still writes it (a line cut short is left for later).</summary>
internal static class StatsLog
{
    public static IReadOnlyList<StatsSample> Read(string path)
    {
        string text;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream))
            text = reader.ReadToEnd();
        var samples = new List<StatsSample>();
        int end = text.LastIndexOf('\n');
        if (end < 0) return samples;
        foreach (string line in text[..end].Split('\n', StringSplitOptions.RemoveEmptyEntries))
            samples.Add(Parse(line));
        return samples;
    }

    public static StatsSample Parse(string line)
    {
        using JsonDocument document = JsonDocument.Parse(line);
        JsonElement root = document.RootElement;
        var ports = root.GetProperty("ports").EnumerateArray().Select(port => new PortSample(
            port.GetProperty("queue").GetInt32(),
            port.GetProperty("pool_in_use").GetInt32(),
            port.GetProperty("pool_capacity").GetInt32(),
            port.GetProperty("rx_packets").GetInt64(),
            port.GetProperty("tx_packets").GetInt64(),
            port.GetProperty("rx_dropped").GetInt64(),
            port.GetProperty("tx_ring_full").GetInt64(),
            port.GetProperty("tx_dropped").GetInt64())).ToArray();
        return new StatsSample(
            root.GetProperty("t").GetDouble(),
            root.TryGetProperty("final", out JsonElement final) && final.GetBoolean(),
            root.GetProperty("rss_bytes").GetInt64(),
            root.GetProperty("heap_bytes").GetInt64(),
            root.GetProperty("heap_after_gc_bytes").GetInt64(),
            root.GetProperty("allocated_bytes").GetInt64(),
            root.GetProperty("gen0").GetInt32(),
            root.GetProperty("gen1").GetInt32(),
            root.GetProperty("gen2").GetInt32(),
            ports,
            root.GetProperty("counters").Clone());
    }
}
