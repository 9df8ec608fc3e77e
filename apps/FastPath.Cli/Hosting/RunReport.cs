using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FastPath.Cli.Hosting;

/// <summary>
/// The totals a data-path command prints when it stops: one JSON object with --json, otherwise one summary
/// line, both naming the driver and mode that were in use.
/// </summary>
internal sealed class RunReport(string command, WorkerPorts ports)
{
    /// <summary>Preamble (7), start delimiter (1), FCS (4) and the minimum inter-frame gap (12): what each frame adds on the wire, as RFC 2544 counts it.</summary>
    public const int WireOverheadBytes = 24;

    private readonly List<(string Name, object Value)> _fields = [];
    private double _seconds;
    private double _pps;
    private double _wireBitsPerSecond;

    public void Add(string name, long value) => _fields.Add((name, value));

    public void Add(string name, double value) => _fields.Add((name, value));

    /// <summary>Adds seconds, pps and the line rate (frame plus <see cref="WireOverheadBytes"/>, in bits per second).</summary>
    public void AddRate(TimeSpan elapsed, long packets, int frameSize)
    {
        _seconds = elapsed.TotalSeconds;
        _pps = _seconds > 0 ? packets / _seconds : 0;
        _wireBitsPerSecond = _pps * (frameSize + WireOverheadBytes) * 8;
        Add("seconds", Math.Round(_seconds, 6));
        Add("pps", Math.Round(_pps, 1));
        Add("wire_bps", Math.Round(_wireBitsPerSecond));
    }

    public void Write(bool json, string summary)
    {
        var info = ports.First;
        string driver = info?.Driver ?? "none";
        string mode = info?.Mode ?? "none";
        string queues = string.Join(',', ports.Queues);
        if (json)
        {
            using var stdout = Console.OpenStandardOutput();
            using var writer = new Utf8JsonWriter(stdout);
            writer.WriteStartObject();
            foreach ((string name, object value) in _fields)
            {
                if (value is long integer) writer.WriteNumber(name, integer);
                else writer.WriteNumber(name, (double)value);
            }
            writer.WriteString("driver", driver);
            writer.WriteString("mode", mode);
            writer.WriteString("interface", info?.Name);
            writer.WriteStartArray("queues");
            foreach (int queue in ports.Queues) writer.WriteNumberValue(queue);
            writer.WriteEndArray();
            if (ports.FallbackReason is { } why) writer.WriteString("fallback_reason", why);
            writer.WriteEndObject();
            writer.Flush();
            stdout.WriteByte((byte)'\n');
            return;
        }
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"{command}: {summary} in {_seconds:F3} s = {FormatRate(_pps)}pps, {_wireBitsPerSecond / 1e9:F3} Gbit/s on the wire");
        line.Append(CultureInfo.InvariantCulture, $"; {driver} ({mode}) on {info?.Name} queue {queues}");
        Console.Out.WriteLine(line.ToString());
    }

    private static string FormatRate(double perSecond) => perSecond switch
    {
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e6:F3} M"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e3:F1} k"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{perSecond:F0} "),
    };
}
