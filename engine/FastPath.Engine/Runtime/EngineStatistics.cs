using System.Text;
using System.Text.Json;
using FastPath.Engine.Telemetry;

namespace FastPath.Engine.Runtime;

/// <summary>A snapshot of every worker's counters and their sum.</summary>
public sealed record EngineStatistics
{
    public EngineStatistics(IReadOnlyList<WorkerStatistics> workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        Workers = workers;
        WorkerStatistics totals = workers.Count > 0 ? workers[0] : default;
        for (int i = 1; i < workers.Count; i++) totals = WorkerStatistics.Sum(totals, workers[i]);
        Totals = totals with { WorkerId = -1, Cpu = -1 };
    }

    public IReadOnlyList<WorkerStatistics> Workers { get; }

    /// <summary>The sum over workers (WorkerId and Cpu are -1).</summary>
    public WorkerStatistics Totals { get; }

    /// <summary>Writes <c>{"workers":[...],"totals":{...}}</c> with snake_case names (see <see cref="TelemetryJson"/>).</summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteStartArray("workers");
        foreach (WorkerStatistics worker in Workers) TelemetryJson.WriteWorker(writer, worker);
        writer.WriteEndArray();
        writer.WritePropertyName("totals");
        TelemetryJson.WriteWorker(writer, Totals);
        writer.WriteEndObject();
    }

    /// <summary>The JSON of <see cref="WriteJson"/> as a string (indented when asked).</summary>
    public string ToJson(bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            WriteJson(writer);
        }
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }
}
