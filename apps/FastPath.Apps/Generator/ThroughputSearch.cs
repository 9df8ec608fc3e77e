namespace FastPath.Apps.Generator;

/// <summary>One trial of a throughput search: the rate offered, what went out and what came back.</summary>
/// <param name="OfferedPps">The rate asked for (infinity for the first, unpaced trial).</param>
/// <param name="SentPps">What the sender achieved.</param>
/// <param name="Sent">Frames sent.</param>
/// <param name="Received">Frames of the trial that arrived.</param>
/// <param name="Passed">Loss within the tolerance.</param>
public readonly record struct ThroughputTrial(double OfferedPps, double SentPps, long Sent, long Received, bool Passed);

/// <summary>
/// RFC 2544 section 26.1: the throughput is the fastest rate at which none of the offered frames is lost. The
/// search offers the sender's maximum first; if that loses nothing, the path is faster than the sender and
/// the answer is that rate. Otherwise it halves the interval between the highest rate that passed (at first
/// 0) and the lowest that failed until the interval is narrower than <see cref="Resolution"/> times the
/// sender's maximum (so the number of trials is bounded: about log2(1 / resolution) + 1), or
/// <see cref="MaxTrials"/> trials are spent.
/// </summary>
public sealed class ThroughputSearch
{
    private readonly List<ThroughputTrial> _trials = [];
    private double _passed;
    private double _failed = double.PositiveInfinity;
    private double _maximum;

    /// <param name="resolution">Stop when failed - passed is below this fraction of the sender's maximum (0.01: 1 %).</param>
    /// <param name="maxTrials">Stop after this many trials in any case.</param>
    public ThroughputSearch(double resolution = 0.01, int maxTrials = 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolution);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTrials, 1);
        Resolution = resolution;
        MaxTrials = maxTrials;
    }

    public double Resolution { get; }
    public int MaxTrials { get; }
    public IReadOnlyList<ThroughputTrial> Trials => _trials;

    /// <summary>The highest rate that passed (frames per second), 0 if none did.</summary>
    public double Throughput => _passed;

    /// <summary>The trial at <see cref="Throughput"/> (its latencies are the ones to report), or null.</summary>
    public int? ThroughputTrialIndex { get; private set; }

    /// <summary>True when the first, unpaced trial lost nothing: the sender, not the path, set the figure.</summary>
    public bool LimitedBySender { get; private set; }

    /// <summary>The next rate to offer in frames per second (positive infinity: unpaced), or null when the search is over.</summary>
    public double? Next()
    {
        if (_trials.Count == 0) return double.PositiveInfinity;
        if (LimitedBySender || _trials.Count >= MaxTrials) return null;
        if (_failed - _passed <= Resolution * _maximum) return null;
        return (_passed + _failed) / 2;
    }

    public void Record(ThroughputTrial trial)
    {
        _trials.Add(trial);
        if (_trials.Count == 1) _maximum = trial.SentPps;
        double rate = double.IsPositiveInfinity(trial.OfferedPps) ? trial.SentPps : trial.OfferedPps;
        if (trial.Passed)
        {
            if (_trials.Count == 1) LimitedBySender = true;
            if (rate >= _passed)
            {
                _passed = rate;
                ThroughputTrialIndex = _trials.Count - 1;
            }
        }
        else
        {
            _failed = Math.Min(_failed, rate);
        }
    }
}
