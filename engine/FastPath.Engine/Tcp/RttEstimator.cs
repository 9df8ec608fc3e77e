namespace FastPath.Engine.Tcp;

/// <summary>
/// The retransmission timeout of RFC 6298, in nanoseconds. Samples follow Karn's rule (section 3): the
/// caller takes none from retransmitted segments unless timestamps disambiguate them (RFC 7323 section 4).
/// </summary>
internal sealed class RttEstimator
{
    /// <summary>G of RFC 6298 section 2: the worker's timer wheel ticks every millisecond by default.</summary>
    public const long DefaultClockGranularity = 1_000_000;

    private readonly long _initialRto;
    private readonly long _minimumRto;
    private readonly long _maximumRto;
    private readonly long _clockGranularity;
    private long _baseRto;

    public RttEstimator(long initialRto, long minimumRto, long maximumRto, long clockGranularity = DefaultClockGranularity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumRto, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumRto, minimumRto);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialRto, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(clockGranularity);
        _initialRto = initialRto;
        _minimumRto = minimumRto;
        _maximumRto = maximumRto;
        _clockGranularity = clockGranularity;
        Reset();
    }

    public bool HasSample { get; private set; }

    public long SmoothedRtt { get; private set; }

    public long RttVariance { get; private set; }

    /// <summary>Times the RTO has been doubled since the last <see cref="ResetBackoff"/> (RFC 6298 section 5.5).</summary>
    public int BackoffCount { get; private set; }

    /// <summary>The timeout to arm: the computed RTO doubled per backoff, never above the maximum (section 2.5).</summary>
    public long Rto
    {
        get
        {
            // Shifting by 63 or more would wrap; by then the maximum has long been reached.
            if (BackoffCount >= 62 || _baseRto > _maximumRto >> BackoffCount) return _maximumRto;
            return _baseRto << BackoffCount;
        }
    }

    /// <summary>
    /// Section 2.2 for the first measurement (SRTT = R, RTTVAR = R/2), section 2.3 after it (beta 1/4 on the
    /// variance against the old SRTT, then alpha 1/8). A fresh sample means the path answers again, so the
    /// backoff ends too: the RTO is recomputed from the estimate (2.3's last step, as Linux does).
    /// </summary>
    public void AddSample(long rtt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rtt);
        if (!HasSample)
        {
            SmoothedRtt = rtt;
            RttVariance = rtt / 2;
            HasSample = true;
        }
        else
        {
            RttVariance += (Math.Abs(SmoothedRtt - rtt) - RttVariance) / 4;
            SmoothedRtt += (rtt - SmoothedRtt) / 8;
        }
        // Section 2.4: K = 4; the minimum (section 2.4, 1 s in the RFC, 200 ms like Linux by default) and
        // maximum clamp the result.
        _baseRto = Math.Clamp(SmoothedRtt + Math.Max(_clockGranularity, 4 * RttVariance), _minimumRto, _maximumRto);
        BackoffCount = 0;
    }

    /// <summary>Section 5.5: the timer expired, so the next one waits twice as long.</summary>
    public void Backoff()
    {
        if (BackoffCount < 62) BackoffCount++;
    }

    public void ResetBackoff() => BackoffCount = 0;

    /// <summary>Back to section 2.1: no samples, the initial RTO.</summary>
    public void Reset()
    {
        HasSample = false;
        SmoothedRtt = 0;
        RttVariance = 0;
        BackoffCount = 0;
        _baseRto = Math.Clamp(_initialRto, _minimumRto, _maximumRto);
    }
}
