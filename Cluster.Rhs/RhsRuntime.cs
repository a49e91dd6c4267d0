using Cluster.Rhs.Health;

namespace Cluster.Rhs;

/// <summary>What every resource of this RHS shares: the event feed to the node, the health-check schedule, PendingTimeout, the worker threads, the queue the checks run from and the calls in flight.</summary>
internal sealed class RhsRuntime : IDisposable
{
    /// <summary>Checks due within 10 ms of each other share a wake-up (WSFC's intervals are seconds).</summary>
    public static readonly TimeSpan CoalesceChecks = TimeSpan.FromMilliseconds(10);

    /// <summary>How long a check may run before the checks queued behind it start on another thread.</summary>
    public static readonly TimeSpan CheckPatience = TimeSpan.FromMilliseconds(100);

    public RhsRuntime(TimeProvider clock, EntryPointWorkers workers)
    {
        Workers = workers;
        Checks = new CheckQueue(workers, CheckPatience);
        Health = new HealthScheduler(clock, (resource, why) =>
            Events.Publish(resource, e => e.HealthFailure = new Protocol.Rhs.V1.HealthFailure { Message = why }), CoalesceChecks);
        Pending = new PendingTimeouts(clock, (resource, timeout) =>
            Events.Publish(resource, e => e.PendingTimeout = new Protocol.Rhs.V1.PendingTimeout { TimeoutMs = (uint)timeout.TotalMilliseconds }));
    }

    public EventFeed Events { get; } = new();

    public HealthScheduler Health { get; }

    public PendingTimeouts Pending { get; }

    public EntryPointWorkers Workers { get; }

    /// <summary>Where scheduled health checks run: in turn, on the workers.</summary>
    public CheckQueue Checks { get; }

    public InFlightCalls Calls { get; } = new();

    public void Dispose()
    {
        Health.Dispose();
        Pending.Dispose();
        Events.Dispose();
    }
}
