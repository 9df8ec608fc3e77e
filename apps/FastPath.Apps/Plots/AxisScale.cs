namespace FastPath.Apps.Plots;

/// <summary>Maps data values to pixels along one axis, linear or base-10 logarithmic, and picks round tick values.</summary>
internal sealed class AxisScale
{
    private readonly double _min;
    private readonly double _max;
    private readonly double _from;
    private readonly double _to;

    /// <summary>Values <paramref name="min"/>..<paramref name="max"/> onto pixels <paramref name="from"/>..<paramref name="to"/> (to may be below from: a y axis grows upwards).</summary>
    public AxisScale(double min, double max, double from, double to, bool logarithmic)
    {
        Logarithmic = logarithmic;
        if (logarithmic)
        {
            min = Math.Log10(Math.Max(min, 1e-9));
            max = Math.Log10(Math.Max(max, 1e-9));
        }
        if (max <= min) max = min + 1;
        _min = min;
        _max = max;
        _from = from;
        _to = to;
    }

    public bool Logarithmic { get; }

    public double this[double value]
    {
        get
        {
            double v = Logarithmic ? Math.Log10(Math.Max(value, 1e-9)) : value;
            return _from + (v - _min) / (_max - _min) * (_to - _from);
        }
    }

    /// <summary>Round values inside the range: 1-2-5 steps on a linear axis, powers of ten (and 2x, 5x when few) on a log one.</summary>
    public IEnumerable<double> Ticks(int target = 6)
    {
        if (Logarithmic)
        {
            int first = (int)Math.Floor(_min), last = (int)Math.Ceiling(_max);
            bool fine = last - first <= 3;
            for (int e = first; e <= last; e++)
            {
                foreach (double m in fine ? new[] { 1.0, 2.0, 5.0 } : [1.0])
                {
                    double value = m * Math.Pow(10, e);
                    double log = Math.Log10(value);
                    if (log >= _min - 1e-9 && log <= _max + 1e-9) yield return value;
                }
            }
            yield break;
        }
        double step = NiceStep((_max - _min) / Math.Max(1, target));
        for (double value = Math.Ceiling(_min / step) * step; value <= _max + step * 1e-9; value += step) yield return value;
    }

    /// <summary>1, 2 or 5 times a power of ten, the nearest at or above <paramref name="rough"/>.</summary>
    public static double NiceStep(double rough)
    {
        if (rough <= 0 || double.IsNaN(rough)) return 1;
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / power;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
    }
}
