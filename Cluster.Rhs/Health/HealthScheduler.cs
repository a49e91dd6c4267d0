namespace Cluster.Rhs.Health;

/// <summary>
/// Runs the health checks of the resources that are Online in this RHS, as WSFC's resource monitor
/// does: each resource on its own <see cref="PollSchedule"/>, all of them on one timer, which is set
/// for the earliest check due. A resource has at most one check running; a check that hangs stops its
/// own schedule only (the node sees it in Ping's calls in flight). A failed IsAlive is reported once
/// through <c>failed</c>, and the resource is no longer checked until it is watched again. Checks due
/// within <c>coalesce</c> of the earliest run together, up to that much early, so that a thousand
/// resources wake the RHS a hundred times a second, not a thousand; the cadence does not drift by it.
/// </summary>
internal sealed class HealthScheduler : IDisposable
{
    private readonly TimeProvider _clock;
    private readonly long _epoch;
    private readonly Action<string, string> _failed;
    private readonly TimeSpan _coalesce;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Watched> _watched = new(StringComparer.Ordinal);
    private readonly PriorityQueue<(Watched Resource, long Ticket), TimeSpan> _due = new();
    private TimeSpan? _armedFor;
    private long _tickets;

    /// <param name="clock">Time; checks are due on its monotonic clock.</param>
    /// <param name="failed">Told (resource, why) when an IsAlive fails; why is empty when it only answered false.</param>
    /// <param name="coalesce">How early a check may run to share a wake-up with the one due first (zero: each at its instant).</param>
    public HealthScheduler(TimeProvider clock, Action<string, string> failed, TimeSpan coalesce)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(coalesce, TimeSpan.Zero);
        _clock = clock;
        _failed = failed;
        _coalesce = coalesce;
        _epoch = clock.GetTimestamp();
        _timer = clock.CreateTimer(_ => RunDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>How many resources are being checked.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _watched.Count;
            }
        }
    }

    /// <summary>The resource is Online: its checks start, counted from now. Nothing changes if it is watched already.</summary>
    public void Watch(IHealthProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        lock (_lock)
        {
            if (!_watched.ContainsKey(probe.Resource))
            {
                Start(probe);
            }
        }
    }

    /// <summary>The resource's intervals changed: if it is watched, its schedule starts again from now with them.</summary>
    public void Rewatch(IHealthProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        lock (_lock)
        {
            if (_watched.Remove(probe.Resource))
            {
                Start(probe);
            }
        }
    }

    /// <summary>The resource left Online (or is gone): no more checks; the answer of one running now is dropped.</summary>
    public void Unwatch(string resource)
    {
        lock (_lock)
        {
            _watched.Remove(resource); // its queue entries go stale, and are skipped when they come up
        }
    }

    public bool IsWatching(string resource)
    {
        lock (_lock)
        {
            return _watched.ContainsKey(resource);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _watched.Clear();
        }

        _timer.Dispose();
    }

    private TimeSpan Now => _clock.GetElapsedTime(_epoch);

    /// <summary>A schedule from now for the probe's intervals, and the timer set for it. Under <see cref="_lock"/>.</summary>
    private void Start(IHealthProbe probe)
    {
        var watched = new Watched(probe, new PollSchedule(probe.LooksAliveInterval, probe.IsAliveInterval, Now));
        _watched.Add(probe.Resource, watched);
        Enqueue(watched);
        Arm();
    }

    private void RunDue()
    {
        var now = Now;
        var horizon = now + _coalesce;
        List<(Watched Resource, HealthCheck Check)> run = [];
        lock (_lock)
        {
            _armedFor = null; // the timer is one-shot: it fired
            while (_due.TryPeek(out var entry, out var at) && at <= horizon)
            {
                _due.Dequeue();
                var watched = entry.Resource;
                if (!IsCurrent(watched) || entry.Ticket != watched.Ticket)
                {
                    continue; // unwatched, or watched again since
                }

                if (watched.Schedule.Due(horizon) is { } check)
                {
                    watched.Ticket = 0; // not queued while its check runs
                    run.Add((watched, check));
                }
                else
                {
                    Enqueue(watched);
                }
            }

            Arm();
        }

        foreach (var (watched, check) in run)
        {
            watched.Probe.Check(check, (alive, why) => Completed(watched, check, alive, why));
        }
    }

    private void Completed(Watched watched, HealthCheck check, bool alive, string why)
    {
        lock (_lock)
        {
            if (!IsCurrent(watched))
            {
                return;
            }

            watched.Schedule.Completed(check, alive, Now);
            if (check == HealthCheck.IsAlive && !alive)
            {
                _watched.Remove(watched.Probe.Resource);
            }
            else
            {
                Enqueue(watched);
                Arm();
                return;
            }
        }

        _failed(watched.Probe.Resource, why);
    }

    private bool IsCurrent(Watched watched) =>
        _watched.TryGetValue(watched.Probe.Resource, out var current) && ReferenceEquals(current, watched);

    private void Enqueue(Watched watched)
    {
        watched.Ticket = ++_tickets;
        _due.Enqueue((watched, watched.Ticket), watched.Schedule.NextDue);
    }

    /// <summary>Sets the timer for the earliest check due, unless it is set for that already.</summary>
    private void Arm()
    {
        if (!_due.TryPeek(out _, out var next) || next == _armedFor)
        {
            return;
        }

        _armedFor = next;
        var wait = next - Now;
        _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private sealed class Watched(IHealthProbe probe, PollSchedule schedule)
    {
        public IHealthProbe Probe { get; } = probe;

        public PollSchedule Schedule { get; } = schedule;

        /// <summary>Its entry in the queue; entries with another ticket are stale.</summary>
        public long Ticket { get; set; }
    }
}
