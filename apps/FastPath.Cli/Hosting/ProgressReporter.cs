using System.Diagnostics;
using System.Globalization;
using System.Text;
using FastPath.Apps.Generator;
using FastPath.Apps.Plots;

namespace FastPath.Cli.Hosting;

/// <summary>
/// Samples the workers' <see cref="LiveCounters"/> once a second on a thread of its own (never on a worker's
/// core path: the workers only publish), prints a line per second on stderr when asked, and keeps the
/// samples for a plot. Lines look like
/// <c>fastpath gen: 3 s  tx 1.234 Mpps 0.829 Gbit/s  rx 1.230 Mpps  lost 12</c>.
/// </summary>
internal sealed class ProgressReporter : IDisposable
{
    private readonly string _command;
    private readonly IReadOnlyList<LiveCounters> _counters;
    private readonly bool _print;
    private readonly bool _showTx;
    private readonly bool _showRx;
    private readonly List<RateSample> _samples = [];
    private readonly SecondTicker _ticker;
    private Totals _last;
    private long _lastTicks;

    /// <param name="command">"gen" or "sink", to start each line.</param>
    /// <param name="counters">One per worker.</param>
    /// <param name="print">Print a line a second on stderr.</param>
    /// <param name="showTx">The workers send (the line shows tx).</param>
    /// <param name="showRx">The workers receive (the line shows rx and loss).</param>
    public ProgressReporter(string command, IReadOnlyList<LiveCounters> counters, bool print, bool showTx, bool showRx)
    {
        _command = command;
        _counters = counters;
        _print = print;
        _showTx = showTx;
        _showRx = showRx;
        _ticker = new SecondTicker("fastpath progress", () =>
        {
            TakeSample(_print);
            return true;
        });
    }

    /// <summary>The samples taken, one a second (the last one over the part-second before the stop).</summary>
    public IReadOnlyList<RateSample> Samples => _samples;

    /// <summary>Starts sampling (call once every worker is ready: the first second is then the first second of traffic).</summary>
    public void Start()
    {
        _lastTicks = Stopwatch.GetTimestamp();
        _ticker.Start(_lastTicks);
    }

    /// <summary>Stops sampling and takes a last sample over the rest of the run.</summary>
    public void Stop()
    {
        if (_ticker.Stop()) TakeSample(print: false);
    }

    public void Dispose()
    {
        Stop();
        _ticker.Dispose();
    }

    private void TakeSample(bool print)
    {
        long now = Stopwatch.GetTimestamp();
        Totals totals = Read();
        double seconds = (now - _lastTicks) / (double)Stopwatch.Frequency;
        if (seconds <= 0) return;
        double txPps = (totals.TxPackets - _last.TxPackets) / seconds;
        double rxPps = (totals.RxPackets - _last.RxPackets) / seconds;
        double txBits = (totals.TxBytes - _last.TxBytes + RunReport.WireOverheadBytes * (double)(totals.TxPackets - _last.TxPackets)) * 8 / seconds;
        double rxBits = (totals.RxBytes - _last.RxBytes + RunReport.WireOverheadBytes * (double)(totals.RxPackets - _last.RxPackets)) * 8 / seconds;
        double elapsed = (now - _ticker.Started) / (double)Stopwatch.Frequency;
        lock (_samples) _samples.Add(new RateSample(elapsed, txPps, rxPps, totals.Lost));
        _last = totals;
        _lastTicks = now;
        if (!print) return;
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"fastpath {_command}: {elapsed,3:F0} s");
        if (_showTx) line.Append(CultureInfo.InvariantCulture, $"  tx {RunReport.FormatRate(txPps)}pps {txBits / 1e9:F3} Gbit/s ({totals.TxPackets})");
        if (_showRx)
        {
            line.Append(CultureInfo.InvariantCulture, $"  rx {RunReport.FormatRate(rxPps)}pps {rxBits / 1e9:F3} Gbit/s ({totals.RxPackets})");
            line.Append(CultureInfo.InvariantCulture, $"  lost {totals.Lost}");
        }
        Console.Error.WriteLine(line.ToString());
    }

    /// <summary>The workers' totals as JSON members (tx/rx packets and bytes, lost), for the stats reporter's lines.</summary>
    public void WriteCounters(System.Text.Json.Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Totals totals = Read();
        writer.WriteNumber("tx_packets", totals.TxPackets);
        writer.WriteNumber("tx_bytes", totals.TxBytes);
        writer.WriteNumber("rx_packets", totals.RxPackets);
        writer.WriteNumber("rx_bytes", totals.RxBytes);
        writer.WriteNumber("lost", totals.Lost);
    }

    private Totals Read()
    {
        Totals totals = default;
        foreach (LiveCounters counters in _counters)
        {
            totals.TxPackets += counters.TxPackets;
            totals.TxBytes += counters.TxBytes;
            totals.RxPackets += counters.RxPackets;
            totals.RxBytes += counters.RxBytes;
            totals.Lost += counters.Lost;
        }
        return totals;
    }

    private struct Totals
    {
        public long TxPackets;
        public long TxBytes;
        public long RxPackets;
        public long RxBytes;
        public long Lost;
    }
}
