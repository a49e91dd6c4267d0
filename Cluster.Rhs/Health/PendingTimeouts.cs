namespace Cluster.Rhs.Health;

/// <summary>
/// PendingTimeout for the resources of this RHS, as WSFC's resource monitor keeps it: a pending Online
/// or Offline must report progress (a state report) within its timeout, or it is reported through
/// <c>expired</c>, once. One timer per pending transition, set for its deadline; progress only moves the
/// deadline on (the timer finds that when it fires, and waits again), so a chatty DLL costs no timer calls.
/// </summary>
internal sealed class PendingTimeouts : IDisposable
{
    private readonly TimeProvider _clock;
    private readonly long _epoch;
    private readonly Action<string, TimeSpan> _expired;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _transitions = new(StringComparer.Ordinal); // per resource: bumped by every end
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <param name="clock">Time; deadlines are on its monotonic clock.</param>
    /// <param name="expired">Told (resource, timeout) when a transition went its timeout without progress.</param>
    public PendingTimeouts(TimeProvider clock, Action<string, TimeSpan> expired)
    {
        _clock = clock;
        _expired = expired;
        _epoch = clock.GetTimestamp();
    }

    /// <summary>
    /// An entry point that may answer pending is about to be called: a new transition, which ends any
    /// earlier one. Pass the result to <see cref="Start"/> if it answers pending: a final state the DLL
    /// reports from its own thread before that call returns ends the transition first, and the late
    /// <see cref="Start"/> then changes nothing.
    /// </summary>
    public long Begin(string resource)
    {
        lock (_lock)
        {
            End(resource);
            return _transitions[resource];
        }
    }

    /// <summary>The call begun at <paramref name="begun"/> answered pending: its timeout runs from now.</summary>
    public void Start(string resource, long begun, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        lock (_lock)
        {
            if (_disposed || _transitions.GetValueOrDefault(resource) != begun)
            {
                return; // ended meanwhile
            }

            if (_pending.Remove(resource, out var twice))
            {
                twice.Timer?.Dispose(); // started twice for one call: the later start holds
            }

            var pending = new Pending(resource, new PendingWatch(timeout, Now));
            pending.Timer = _clock.CreateTimer(Fire, pending, timeout, Timeout.InfiniteTimeSpan);
            _pending[resource] = pending;
        }
    }

    /// <summary>The resource reported progress (a pending state): its timeout starts again.</summary>
    public void Progress(string resource)
    {
        lock (_lock)
        {
            if (_pending.TryGetValue(resource, out var pending))
            {
                pending.Watch.Progress(Now);
            }
        }
    }

    /// <summary>The transition ended (a final state, a failure, Terminate, Close): its timeout is off.</summary>
    public void Stop(string resource)
    {
        lock (_lock)
        {
            End(resource);
        }
    }

    /// <summary>The resource is closed: nothing of it is kept.</summary>
    public void Forget(string resource)
    {
        lock (_lock)
        {
            End(resource);
            _transitions.Remove(resource);
        }
    }

    /// <summary>Whether a transition of the resource is being timed.</summary>
    public bool IsPending(string resource)
    {
        lock (_lock)
        {
            return _pending.ContainsKey(resource);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var pending in _pending.Values)
            {
                pending.Timer?.Dispose();
            }

            _pending.Clear();
        }
    }

    private TimeSpan Now => _clock.GetElapsedTime(_epoch);

    /// <summary>Under <see cref="_lock"/>.</summary>
    private void End(string resource)
    {
        _transitions[resource] = _transitions.GetValueOrDefault(resource) + 1;
        if (_pending.Remove(resource, out var pending))
        {
            pending.Timer?.Dispose();
        }
    }

    private void Fire(object? state)
    {
        var pending = (Pending)state!;
        lock (_lock)
        {
            if (!_pending.TryGetValue(pending.Resource, out var current) || !ReferenceEquals(current, pending))
            {
                return; // ended, or a new transition, since the timer was set
            }

            var now = Now;
            if (!pending.Watch.Expired(now))
            {
                pending.Timer!.Change(pending.Watch.Deadline - now, Timeout.InfiniteTimeSpan); // progress moved it on
                return;
            }

            End(pending.Resource);
        }

        _expired(pending.Resource, pending.Watch.Timeout);
    }

    private sealed class Pending(string resource, PendingWatch watch)
    {
        public string Resource { get; } = resource;

        public PendingWatch Watch { get; } = watch;

        public ITimer? Timer { get; set; }
    }
}
