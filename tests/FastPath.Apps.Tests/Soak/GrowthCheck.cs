using System.Globalization;
using System.Text;

namespace FastPath.Apps.Tests.Soak;

/// <summary>What one process did over a soak: figures at the end of the warm-up and at the end, slopes, and what grew.</summary>
internal sealed record GrowthReport(string Process, double WarmUpSeconds, double EndSeconds, IReadOnlyList<string> Failures, IReadOnlyList<string> Figures)
{
    public bool Passed => Failures.Count == 0;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Process} (t {WarmUpSeconds:F0}..{EndSeconds:F0} s):");
        foreach (string figure in Figures) text.Append("\n  ").Append(figure);
        foreach (string failure in Failures) text.Append("\n  GREW: ").Append(failure);
        return text.ToString();
    }
}

/// <summary>
/// The soak's verdict on one process's <c>--stats-json</c> samples: after the warm-up nothing may grow. Resident
/// memory and the heap that survives collections are compared third against third (the mean of the last third
/// of the samples against the first), with least-squares slopes reported beside; gen2 collections must not
/// happen at all, gen0 collections and allocated bytes stay under what a line a second of reporting costs, and
/// no frame pool trends upward.
/// </summary>
internal static class GrowthCheck
{
    private const double MiB = 1 << 20;

    /// <param name="endsIdle">
    /// The process's last samples were taken after the traffic stopped (a service outliving its clients): its
    /// pools must then be back where they were before the traffic started, within the slack. A frame lost per
    /// second or per connection shows here however the fill ring's level jitters during traffic.
    /// </param>
    public static GrowthReport Check(string process, IReadOnlyList<StatsSample> all, TimeSpan warmUp, GrowthLimits limits, bool endsIdle = false)
    {
        var failures = new List<string>();
        var figures = new List<string>();
        StatsSample[] samples = [.. all.Where(sample => !sample.Final && sample.Seconds >= warmUp.TotalSeconds)];
        if (samples.Length < 6)
        {
            failures.Add($"only {samples.Length} samples after the {warmUp.TotalSeconds:F0} s warm-up (of {all.Count}): the process did not report once a second");
            return new GrowthReport(process, warmUp.TotalSeconds, all.Count > 0 ? all[^1].Seconds : 0, failures, figures);
        }
        StatsSample first = samples[0], last = samples[^1];
        double window = last.Seconds - first.Seconds;
        double[] time = [.. samples.Select(sample => sample.Seconds)];

        Trend rss = Trend.Of(time, [.. samples.Select(sample => (double)sample.RssBytes)]);
        // Resident memory beyond the managed heap's high-water mark: between collections the heap grows with
        // what the process allocates (the reporting's own lines) and those pages stay resident after a
        // collection, so raw RSS climbs with the gen0 budget; what is left when that is taken out is the
        // native side (UMEM, rings, stacks, JIT code), which must not grow at all.
        double[] native = NativeResident(all, samples);
        Trend outside = Trend.Of(time, native);
        figures.Add(Invariant($"RSS {first.RssBytes / MiB:F1} -> {last.RssBytes / MiB:F1} MiB, thirds {rss.ThirdsDelta / MiB:+0.00;-0.00;0.00} MiB, slope {rss.Slope / 1024:+0.00;-0.00;0.00} KiB/s; beyond the heap's high-water mark {native[0] / MiB:F1} -> {native[^1] / MiB:F1} MiB, thirds {outside.ThirdsDelta / MiB:+0.00;-0.00;0.00} MiB, slope {outside.Slope / 1024:+0.00;-0.00;0.00} KiB/s (slack {limits.RssSlackBytes / MiB:F0} MiB)"));
        if (outside.ThirdsDelta > limits.RssSlackBytes)
            failures.Add(Invariant($"RSS beyond the managed heap grew {outside.ThirdsDelta / MiB:F2} MiB from the first third to the last (slack {limits.RssSlackBytes / MiB:F0} MiB; slope {outside.Slope / 1024:F2} KiB/s)"));

        Trend heap = Trend.Of(time, [.. samples.Select(sample => (double)sample.HeapAfterGcBytes)]);
        Trend live = Trend.Of(time, [.. samples.Select(sample => (double)sample.HeapBytes)]);
        figures.Add(Invariant($"heap {first.HeapBytes / MiB:F2} -> {last.HeapBytes / MiB:F2} MiB (slope {live.Slope / 1024:+0.00;-0.00;0.00} KiB/s); after GC {first.HeapAfterGcBytes / MiB:F2} -> {last.HeapAfterGcBytes / MiB:F2} MiB, thirds {heap.ThirdsDelta / MiB:+0.00;-0.00;0.00} MiB (slack {limits.HeapAfterGcSlackBytes / MiB:F0} MiB)"));
        if (heap.ThirdsDelta > limits.HeapAfterGcSlackBytes)
            failures.Add(Invariant($"the heap that survives collections grew {heap.ThirdsDelta / MiB:F2} MiB from the first third to the last (slack {limits.HeapAfterGcSlackBytes / MiB:F0} MiB)"));

        double allocated = (last.AllocatedBytes - first.AllocatedBytes) / window;
        int gen0 = last.Gen0 - first.Gen0, gen1 = last.Gen1 - first.Gen1, gen2 = last.Gen2 - first.Gen2;
        double gen0Allowed = Math.Ceiling(limits.Gen0PerMinute * window / 60);
        figures.Add(Invariant($"allocated {allocated / 1024:F1} KiB/s (limit {limits.AllocatedBytesPerSecond / 1024:F0}); GC gen0/gen1/gen2 {first.Gen0}/{first.Gen1}/{first.Gen2} -> {last.Gen0}/{last.Gen1}/{last.Gen2} (+{gen0}/+{gen1}/+{gen2}; gen0 allowed +{gen0Allowed:F0}, gen2 +0)"));
        if (allocated > limits.AllocatedBytesPerSecond)
            failures.Add(Invariant($"allocated {allocated / 1024:F1} KiB/s after the warm-up (limit {limits.AllocatedBytesPerSecond / 1024:F0} KiB/s: the data path must not allocate per packet)"));
        if (gen0 > gen0Allowed)
            failures.Add(Invariant($"{gen0} gen0 collections in {window:F0} s (allowed {gen0Allowed:F0})"));
        if (gen2 > 0)
            failures.Add(Invariant($"{gen2} gen2 collections after the warm-up (allowed none)"));

        int ports = samples.Min(sample => sample.Ports.Count);
        for (int port = 0; port < ports; port++)
        {
            int index = port;
            double[] inUse = [.. samples.Select(sample => (double)sample.Ports[index].PoolInUse)];
            Trend pool = Trend.Of(time, inUse);
            PortSample firstPort = first.Ports[index], lastPort = last.Ports[index];
            figures.Add(Invariant($"pool (queue {firstPort.Queue}) in use {firstPort.PoolInUse} -> {lastPort.PoolInUse} of {lastPort.PoolCapacity}, max {inUse.Max():F0}, thirds {pool.ThirdsDelta:+0.0;-0.0;0.0}, slope {pool.Slope:+0.000;-0.000;0.000} frames/s"));
            if (pool.Slope > limits.PoolSlopeFramesPerSecond && pool.ThirdsDelta > limits.PoolSlackFrames)
                failures.Add(Invariant($"frame pool of queue {firstPort.Queue} trends up: {pool.Slope:F3} frames/s (limit {limits.PoolSlopeFramesPerSecond}), last third {pool.ThirdsDelta:F1} frames over the first (slack {limits.PoolSlackFrames})"));
            StatsSample? before = all.FirstOrDefault(sample => sample.Ports.Count > index);
            if (endsIdle && before is not null)
            {
                int idleBefore = before.Ports[index].PoolInUse, idleAfter = lastPort.PoolInUse;
                figures.Add(Invariant($"pool (queue {firstPort.Queue}) idle: {idleBefore} in use before the traffic, {idleAfter} after it"));
                if (idleAfter - idleBefore > limits.PoolSlackFrames)
                    failures.Add(Invariant($"frame pool of queue {firstPort.Queue} did not come back after the traffic: {idleAfter} in use, {idleBefore} before it (slack {limits.PoolSlackFrames})"));
            }
            if (inUse.Max() >= lastPort.PoolCapacity)
                failures.Add(Invariant($"frame pool of queue {firstPort.Queue} ran dry ({lastPort.PoolCapacity} of {lastPort.PoolCapacity} in use)"));
        }
        CheckFinal(all, failures, figures);
        return new GrowthReport(process, first.Seconds, last.Seconds, failures, figures);
    }

    /// <summary>
    /// The line written after the workers stopped and closed their ports: every frame must be back in its pool
    /// (the ports return what the kernel held on close), which counts a leak exactly, however the fill ring's
    /// level jittered while the process ran.
    /// </summary>
    private static void CheckFinal(IReadOnlyList<StatsSample> all, List<string> failures, List<string> figures)
    {
        StatsSample? final = all.LastOrDefault(sample => sample.Final);
        if (final is null)
        {
            failures.Add("no final line: the process did not stop cleanly");
            return;
        }
        foreach (PortSample port in final.Ports)
        {
            figures.Add(Invariant($"pool (queue {port.Queue}) after the ports closed: {port.PoolInUse} of {port.PoolCapacity} not returned"));
            if (port.PoolInUse != 0)
                failures.Add(Invariant($"{port.PoolInUse} frames of queue {port.Queue}'s pool never came back (leaked)"));
        }
    }

    /// <summary>For each of <paramref name="samples"/>: RSS minus the largest managed heap seen up to it (warm-up included).</summary>
    private static double[] NativeResident(IReadOnlyList<StatsSample> all, StatsSample[] samples)
    {
        var result = new double[samples.Length];
        long highWater = 0;
        int next = 0;
        foreach (StatsSample sample in all)
        {
            if (sample.Final) continue;
            highWater = Math.Max(highWater, sample.HeapBytes);
            if (next < samples.Length && ReferenceEquals(sample, samples[next])) result[next++] = sample.RssBytes - highWater;
        }
        return result;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A series' least-squares slope (per second) and the mean of its last third minus that of its first.</summary>
    internal readonly record struct Trend(double Slope, double ThirdsDelta)
    {
        public static Trend Of(IReadOnlyList<double> x, IReadOnlyList<double> y)
        {
            int n = x.Count;
            double meanX = x.Average(), meanY = y.Average();
            double covariance = 0, variance = 0;
            for (int i = 0; i < n; i++)
            {
                covariance += (x[i] - meanX) * (y[i] - meanY);
                variance += (x[i] - meanX) * (x[i] - meanX);
            }
            int third = Math.Max(1, n / 3);
            double head = y.Take(third).Average(), tail = y.Skip(n - third).Average();
            return new Trend(variance == 0 ? 0 : covariance / variance, tail - head);
        }
    }
}
