namespace Cluster.Rhs.Health;

/// <summary>
/// PendingTimeout for one pending transition: it runs from the last progress the resource reported, and
/// when it passes the resource has failed. Pure: instants are elapsed time on a monotonic clock.
/// </summary>
internal sealed class PendingWatch(TimeSpan timeout, TimeSpan startedAt)
{
    private TimeSpan _lastProgress = startedAt;

    public TimeSpan Timeout { get; } = timeout;

    /// <summary>When the transition fails unless it reports progress first.</summary>
    public TimeSpan Deadline => _lastProgress + Timeout;

    public void Progress(TimeSpan now)
    {
        if (now > _lastProgress)
        {
            _lastProgress = now;
        }
    }

    public bool Expired(TimeSpan now) => now >= Deadline;
}
