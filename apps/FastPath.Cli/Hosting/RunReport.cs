using System.Globalization;
using System.Text;
using System.Text.Json;
using FastPath.Apps.Sink;

namespace FastPath.Cli.Hosting;

/// <summary>
/// The totals a data-path command prints when it stops: one JSON object with --json, otherwise one summary
/// line (naming the driver and mode that were in use) and, where there is more than one line's worth, a
/// table per stream.
/// </summary>
internal sealed class RunReport
{
    /// <summary>Preamble (7), start delimiter (1), FCS (4) and the minimum inter-frame gap (12): what each frame adds on the wire, as RFC 2544 counts it.</summary>
    public const int WireOverheadBytes = 24;

    private readonly string _command;
    private readonly string _driver;
    private readonly string _mode;
    private readonly string? _interface;
    private readonly IReadOnlyList<int> _queues;
    private readonly string? _fallbackReason;
    private readonly Fields _fields = new();
    private readonly List<string[]> _table = [];
    private double _seconds;
    private double _pps;
    private double _wireBitsPerSecond;
    private bool _hasRate;
    private string? _frames;

    public RunReport(string command, WorkerPorts ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        _command = command;
        _driver = ports.First?.Driver ?? "none";
        _mode = ports.First?.Mode ?? "none";
        _interface = ports.First?.Name;
        _queues = [.. ports.Queues];
        _fallbackReason = ports.FallbackReason;
    }

    /// <summary>A report for a run without an interface (a capture file written or read).</summary>
    public RunReport(string command, string driver, string mode, string target)
    {
        _command = command;
        _driver = driver;
        _mode = mode;
        _interface = target;
        _queues = [];
    }

    public void Add(string name, long value) => _fields.Add(name, value);

    public void Add(string name, double value) => _fields.Add(name, value);

    public void Add(string name, Fields value) => _fields.Add(name, value);

    public void Add(string name, string value) => _fields.Add(name, value);

    public void Add(string name, IReadOnlyList<Fields> value) => _fields.Add(name, value);

    /// <summary>Adds seconds, pps and the line rate (bytes plus <see cref="WireOverheadBytes"/> a frame, in bits per second).</summary>
    public void AddRate(TimeSpan elapsed, long packets, long bytes)
    {
        _hasRate = true;
        _seconds = elapsed.TotalSeconds;
        _pps = _seconds > 0 ? packets / _seconds : 0;
        _wireBitsPerSecond = _seconds > 0 ? (bytes + (double)WireOverheadBytes * packets) * 8 / _seconds : 0;
        Add("seconds", Math.Round(_seconds, 6));
        Add("pps", Math.Round(_pps, 1));
        Add("wire_bps", Math.Round(_wireBitsPerSecond));
    }

    /// <summary>The "frames" object ({total, returned, in_use_after_close}) and its sentence at the end of the summary line. Call once the ports are closed.</summary>
    public void AddFrames(FrameLedger frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        Add("frames", frames.ToFields());
        _frames = frames.Describe();
    }

    /// <summary>A table printed under the summary line (text output only); the first row is the header.</summary>
    public void AddTableRow(params string[] cells) => _table.Add(cells);

    public void Write(bool json, string summary)
    {
        if (json)
        {
            using var stdout = Console.OpenStandardOutput();
            using var writer = new Utf8JsonWriter(stdout);
            writer.WriteStartObject();
            _fields.WriteMembers(writer);
            writer.WriteString("driver", _driver);
            writer.WriteString("mode", _mode);
            writer.WriteString("interface", _interface);
            writer.WriteStartArray("queues");
            foreach (int queue in _queues) writer.WriteNumberValue(queue);
            writer.WriteEndArray();
            if (_fallbackReason is { } why) writer.WriteString("fallback_reason", why);
            writer.WriteEndObject();
            writer.Flush();
            stdout.WriteByte((byte)'\n');
            return;
        }
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{_command}: {summary}");
        if (_hasRate) text.Append(CultureInfo.InvariantCulture, $" in {_seconds:F3} s = {FormatRate(_pps)}pps, {_wireBitsPerSecond / 1e9:F3} Gbit/s on the wire");
        text.Append(_queues.Count > 0
            ? string.Create(CultureInfo.InvariantCulture, $"; {_driver} ({_mode}) on {_interface} queue {string.Join(',', _queues)}")
            : string.Create(CultureInfo.InvariantCulture, $"; {_driver} ({_mode}) {_interface}"));
        if (_frames is { } frames) text.Append("; ").Append(frames);
        text.AppendLine();
        AppendTable(text);
        Console.Out.Write(text.ToString());
    }

    /// <summary>Latency percentiles in microseconds: {"p50", "p90", "p99", "p999", "max", "mean", "min"}.</summary>
    public static Fields Latency(LatencySummary latency)
    {
        var fields = new Fields();
        fields.Add("p50", Microseconds(latency.P50));
        fields.Add("p90", Microseconds(latency.P90));
        fields.Add("p99", Microseconds(latency.P99));
        fields.Add("p999", Microseconds(latency.P999));
        fields.Add("max", Microseconds(latency.Max));
        fields.Add("mean", Math.Round(latency.Mean / 1000, 3));
        fields.Add("min", Microseconds(latency.Min));
        return fields;
    }

    public static double Microseconds(long nanoseconds) => Math.Round(nanoseconds / 1000.0, 3);

    public static string FormatRate(double perSecond) => perSecond switch
    {
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e6:F3} M"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e3:F1} k"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{perSecond:F0} "),
    };

    private void AppendTable(StringBuilder text)
    {
        if (_table.Count < 2) return;
        int columns = _table.Max(row => row.Length);
        var widths = new int[columns];
        foreach (string[] row in _table)
        {
            for (int i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        }
        foreach (string[] row in _table)
        {
            for (int i = 0; i < row.Length; i++) text.Append("  ").Append(row[i].PadLeft(widths[i]));
            text.AppendLine();
        }
    }

    /// <summary>An ordered JSON object: numbers, strings, nested objects and arrays of objects.</summary>
    public sealed class Fields
    {
        private readonly List<(string Name, object Value)> _fields = [];

        public void Add(string name, long value) => _fields.Add((name, value));

        public void Add(string name, double value) => _fields.Add((name, value));

        public void Add(string name, string value) => _fields.Add((name, value));

        public void Add(string name, bool value) => _fields.Add((name, value));

        public void Add(string name, Fields value) => _fields.Add((name, value));

        public void Add(string name, IReadOnlyList<Fields> value) => _fields.Add((name, value));

        public void WriteMembers(Utf8JsonWriter writer)
        {
            foreach ((string name, object value) in _fields)
            {
                switch (value)
                {
                    case long integer:
                        writer.WriteNumber(name, integer);
                        break;
                    case double real:
                        writer.WriteNumber(name, real);
                        break;
                    case string text:
                        writer.WriteString(name, text);
                        break;
                    case bool flag:
                        writer.WriteBoolean(name, flag);
                        break;
                    case Fields inner:
                        writer.WriteStartObject(name);
                        inner.WriteMembers(writer);
                        writer.WriteEndObject();
                        break;
                    case IReadOnlyList<Fields> list:
                        writer.WriteStartArray(name);
                        foreach (Fields item in list)
                        {
                            writer.WriteStartObject();
                            item.WriteMembers(writer);
                            writer.WriteEndObject();
                        }
                        writer.WriteEndArray();
                        break;
                }
            }
        }
    }
}
