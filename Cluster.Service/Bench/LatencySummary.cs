namespace Cluster.Service.Bench;

/// <summary>Order statistics of a set of measured durations.</summary>
internal sealed class LatencySummary
{
    private readonly double[] _sortedMicroseconds;

    public LatencySummary(IEnumerable<TimeSpan> samples)
    {
        _sortedMicroseconds = samples.Select(s => s.TotalMicroseconds).Order().ToArray();
        if (_sortedMicroseconds.Length == 0)
        {
            throw new ArgumentException("No samples.", nameof(samples));
        }
    }

    public int Count => _sortedMicroseconds.Length;

    public double MedianMicroseconds => Percentile(50);

    public double MaxMicroseconds => _sortedMicroseconds[^1];

    /// <summary>The nearest-rank percentile.</summary>
    public double Percentile(double percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        var rank = (int)Math.Ceiling(percent / 100 * _sortedMicroseconds.Length);
        return _sortedMicroseconds[Math.Clamp(rank - 1, 0, _sortedMicroseconds.Length - 1)];
    }
}
