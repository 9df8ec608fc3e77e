using System.Globalization;
using FastPath.Apps.Sink;

using FastPath.Engine.Telemetry;

namespace FastPath.Apps.Plots;

/// <summary>One second of a run: the rates measured over it.</summary>
/// <param name="Seconds">Time since the start, at the end of the interval.</param>
/// <param name="TxPps">Frames sent per second (0 for a sink).</param>
/// <param name="RxPps">Frames received per second (0 for a generator that does not measure).</param>
/// <param name="Lost">Frames missing so far (by signature).</param>
internal readonly record struct RateSample(double Seconds, double TxPps, double RxPps, long Lost);

/// <summary>
/// The chart a run leaves behind (<c>--plot FILE.svg</c>): the rate over time (sent and received, one point a
/// second) above the latency histogram (log-scaled microseconds, with the p50, p99 and max marked).
/// </summary>
internal static class MeasurementPlot
{
    private const double Width = 860;
    private const double PanelHeight = 300;
    private const double Left = 80;
    private const double Right = 30;
    private const string TxColour = "#1f77b4";
    private const string RxColour = "#d62728";
    private const string BarColour = "#2ca02c";
    private const string GridColour = "#dddddd";
    private const int BinsPerDecade = 20;

    /// <summary>Writes the chart to <paramref name="path"/>.</summary>
    /// <param name="path">The SVG file to create.</param>
    /// <param name="title">The headline, e.g. the command and interface.</param>
    /// <param name="rates">One sample a second.</param>
    /// <param name="latency">Null, or latencies in ns (the panel is left out when empty).</param>
    /// <param name="latencyLabel">What the latency is ("one-way latency", "round trip").</param>
    internal static void Write(string path, string title, IReadOnlyList<RateSample> rates, LatencyHistogram? latency, string latencyLabel)
    {
        ArgumentNullException.ThrowIfNull(rates);
        bool withLatency = latency is { Count: > 0 };
        double height = 50 + PanelHeight + (withLatency ? PanelHeight + 40 : 0) + 10;
        var svg = new SvgWriter(Width, height);
        svg.Text(Width / 2, 24, title, "middle", 15, bold: true);
        DrawRates(svg, rates, 50);
        if (withLatency) DrawLatency(svg, latency!, latencyLabel, 50 + PanelHeight + 40);
        File.WriteAllText(path, svg.ToString());
    }

    private static void DrawRates(SvgWriter svg, IReadOnlyList<RateSample> rates, double top)
    {
        double bottom = top + PanelHeight - 50;
        double right = Width - Right;
        double duration = rates.Count == 0 ? 1 : Math.Max(1, rates[^1].Seconds);
        double peak = rates.Count == 0 ? 1 : Math.Max(1, rates.Max(r => Math.Max(r.TxPps, r.RxPps)));
        (double scale, string unit) = peak >= 1e6 ? (1e6, "Mpps") : peak >= 1e3 ? (1e3, "kpps") : (1.0, "pps");
        var x = new AxisScale(0, duration, Left, right, logarithmic: false);
        var y = new AxisScale(0, peak / scale * 1.1, bottom, top + 10, logarithmic: false);
        Frame(svg, top, bottom, right, $"rate ({unit})", "seconds");
        foreach (double tick in x.Ticks(10)) TickX(svg, x[tick], top + 10, bottom, Format(tick));
        foreach (double tick in y.Ticks()) TickY(svg, y[tick], right, Format(tick));

        bool anyTx = rates.Any(r => r.TxPps > 0), anyRx = rates.Any(r => r.RxPps > 0);
        if (anyTx) svg.Polyline(rates.Select(r => (x[r.Seconds], y[r.TxPps / scale])), TxColour);
        if (anyRx) svg.Polyline(rates.Select(r => (x[r.Seconds], y[r.RxPps / scale])), RxColour);
        double legend = Left + 10;
        if (anyTx) legend = Legend(svg, legend, top + 4, TxColour, "sent");
        if (anyRx) Legend(svg, legend, top + 4, RxColour, "received");
        long lost = rates.Count == 0 ? 0 : rates[^1].Lost;
        svg.Text(right, top + 4, string.Create(CultureInfo.InvariantCulture, $"lost {lost}"), "end", 11, "#555555");
    }

    private static void DrawLatency(SvgWriter svg, LatencyHistogram latency, string label, double top)
    {
        double bottom = top + PanelHeight - 50;
        double right = Width - Right;
        // The histogram's buckets are linear within each power of two, so drawn on a log axis they would
        // shrink and saw-tooth; regroup them into bins of equal width on the log axis (20 a decade).
        List<(double Low, double High, long Count)> bins = LogBins(latency, BinsPerDecade);
        double lowUs = bins[0].Low, highUs = Math.Max(bins[^1].High, lowUs * 10);
        long tallest = bins.Max(b => b.Count);
        var x = new AxisScale(lowUs, highUs, Left, right, logarithmic: true);
        var y = new AxisScale(0, tallest * 1.1, bottom, top + 10, logarithmic: false);
        Frame(svg, top, bottom, right, "frames", $"{label} (µs, log scale)");
        foreach (double tick in x.Ticks()) TickX(svg, x[tick], top + 10, bottom, Format(tick));
        foreach (double tick in y.Ticks()) TickY(svg, y[tick], right, Format(tick));
        foreach ((double low, double high, long count) in bins)
        {
            if (count == 0) continue;
            double from = x[low], to = x[high];
            svg.Rectangle(from, y[count], Math.Max(1, to - from - 0.5), bottom - y[count], BarColour,
                title: string.Create(CultureInfo.InvariantCulture, $"{low:0.###}-{high:0.###} µs: {count} frames"));
        }
        // The marks are dashed lines; their values go in a legend at the top left, where no label can
        // overlap another however close the percentiles are.
        double legend = Left + 10;
        foreach ((string name, double percentile, string colour) in new[] { ("p50", 50.0, "#444444"), ("p99", 99.0, "#ff7f0e"), ("max", 100.0, RxColour) })
        {
            double us = latency.Percentile(percentile) / 1000.0;
            double at = x[Math.Clamp(us, lowUs, highUs)];
            svg.Line(at, top + 10, at, bottom, colour, 1.5, "5,3");
            string text = string.Create(CultureInfo.InvariantCulture, $"{name} {us:0.##} µs");
            svg.Line(legend, top, legend + 18, top, colour, 1.5, "5,3");
            svg.Text(legend + 22, top + 4, text, "start", 11, colour);
            legend += 40 + text.Length * 6.5;
        }
        svg.Text(right, top + 4, string.Create(CultureInfo.InvariantCulture, $"{latency.Count} frames, mean {latency.Mean / 1000:0.##} µs"), "end", 11, "#555555");
    }

    /// <summary>The histogram's counts in bins of equal width on a log axis, in microseconds; each bucket goes to the bin of its middle.</summary>
    private static List<(double Low, double High, long Count)> LogBins(LatencyHistogram latency, int perDecade)
    {
        var buckets = latency.Buckets().ToList();
        double first = Math.Floor(Math.Log10(Math.Max(1, buckets[0].Low) / 1000.0) * perDecade);
        double last = Math.Floor(Math.Log10(Math.Max(1, buckets[^1].High + 1) / 1000.0) * perDecade);
        var bins = new List<(double Low, double High, long Count)>();
        for (double b = first; b <= last; b++) bins.Add((Math.Pow(10, b / perDecade), Math.Pow(10, (b + 1) / perDecade), 0));
        foreach ((long low, long high, long count) in buckets)
        {
            double middle = Math.Max(1, (low + high + 1) / 2.0) / 1000.0;
            int index = Math.Clamp((int)(Math.Floor(Math.Log10(middle) * perDecade) - first), 0, bins.Count - 1);
            bins[index] = (bins[index].Low, bins[index].High, bins[index].Count + count);
        }
        return bins;
    }

    private static void Frame(SvgWriter svg, double top, double bottom, double right, string yLabel, string xLabel)
    {
        svg.Line(Left, bottom, right, bottom, "#333333");
        svg.Line(Left, top + 10, Left, bottom, "#333333");
        svg.Text(18, (top + bottom) / 2, yLabel, "middle", 12, rotate: -90);
        svg.Text((Left + right) / 2, bottom + 38, xLabel, "middle", 12);
    }

    private static void TickX(SvgWriter svg, double at, double top, double bottom, string label)
    {
        svg.Line(at, top, at, bottom, GridColour);
        svg.Text(at, bottom + 16, label, "middle", 11);
    }

    private static void TickY(SvgWriter svg, double at, double right, string label)
    {
        svg.Line(Left, at, right, at, GridColour);
        svg.Text(Left - 6, at + 4, label, "end", 11);
    }

    private static double Legend(SvgWriter svg, double x, double y, string colour, string label)
    {
        svg.Line(x, y - 4, x + 24, y - 4, colour, 3);
        svg.Text(x + 30, y, label, "start", 11);
        return x + 40 + label.Length * 7;
    }

    private static string Format(double value) => value switch
    {
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{value / 1e6:0.##}M"),
        >= 1e4 => string.Create(CultureInfo.InvariantCulture, $"{value / 1e3:0.##}k"),
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };
}
