namespace Cluster.Rhs.Health;

/// <summary>
/// When an Online resource's LooksAlive and IsAlive are due: each at its own interval, counted from the
/// moment the resource came online, and a LooksAlive that answers false makes IsAlive due at once (WSFC's
/// resource monitor). Pure: instants are elapsed time on a monotonic clock, given by the caller.
/// </summary>
internal sealed class PollSchedule
{
    private readonly TimeSpan _looksAliveInterval;
    private readonly TimeSpan _isAliveInterval;
    private TimeSpan _nextLooksAlive;
    private TimeSpan _nextIsAlive;

    public PollSchedule(TimeSpan looksAliveInterval, TimeSpan isAliveInterval, TimeSpan onlineAt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(looksAliveInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(isAliveInterval, TimeSpan.Zero);
        _looksAliveInterval = looksAliveInterval;
        _isAliveInterval = isAliveInterval;
        _nextLooksAlive = onlineAt + looksAliveInterval;
        _nextIsAlive = onlineAt + isAliveInterval;
    }

    /// <summary>The instant the next check is due.</summary>
    public TimeSpan NextDue => _nextIsAlive < _nextLooksAlive ? _nextIsAlive : _nextLooksAlive;

    /// <summary>
    /// The check to run at <paramref name="now"/>, or null when none is due. When both are due, IsAlive
    /// goes first (it is the one that decides); the LooksAlive follows it.
    /// </summary>
    public HealthCheck? Due(TimeSpan now) =>
        now >= _nextIsAlive ? HealthCheck.IsAlive : now >= _nextLooksAlive ? HealthCheck.LooksAlive : null;

    /// <summary>A check answered at <paramref name="now"/>: the next one of its kind is one interval after this one was due.</summary>
    public void Completed(HealthCheck check, bool alive, TimeSpan now)
    {
        if (check == HealthCheck.LooksAlive)
        {
            _nextLooksAlive = Advance(_nextLooksAlive, _looksAliveInterval, now);
            if (!alive)
            {
                _nextIsAlive = now; // a doubtful LooksAlive: the thorough check decides, now
            }
        }
        else
        {
            _nextIsAlive = Advance(_nextIsAlive, _isAliveInterval, now);
        }
    }

    /// <summary>Keeps the cadence (no drift from the time a check took), but never makes up for missed checks in a burst.</summary>
    private static TimeSpan Advance(TimeSpan due, TimeSpan interval, TimeSpan now)
    {
        var next = due + interval;
        return next > now ? next : now + interval;
    }
}
