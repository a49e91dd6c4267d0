namespace Cluster.Service.Monitors;

/// <summary>
/// A monitor as the node sees it: an identity that outlives its RHS processes (restarts keep the id),
/// the resources it hosts, and the current incarnation once it is ready.
/// </summary>
internal sealed class ResourceMonitor(int id, bool dedicated)
{
    private TaskCompletionSource<RhsProcess> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Id { get; } = id;

    public bool Dedicated { get; } = dedicated;

    public HashSet<string> Resources { get; } = new(StringComparer.Ordinal);

    public RhsProcess? Current { get; private set; }

    public DateTimeOffset StartedAt { get; private set; }

    public int Restarts { get; set; }

    public bool Retired { get; set; }

    /// <summary>Completes with the serving incarnation; calls wait here while the monitor recovers.</summary>
    public Task<RhsProcess> Ready => _ready.Task;

    /// <summary>A new incarnation is running but not serving yet (its resources are being re-opened).</summary>
    public void Attach(RhsProcess process, DateTimeOffset startedAt)
    {
        Current = process;
        StartedAt = startedAt;
    }

    /// <summary>Calls may go to <paramref name="process"/> now; false if it was replaced meanwhile.</summary>
    public bool Serve(RhsProcess process) => ReferenceEquals(Current, process) && _ready.TrySetResult(process);

    /// <summary>Takes the incarnation out of service; false when it was not the current one.</summary>
    public bool Withdraw(RhsProcess process)
    {
        if (!ReferenceEquals(Current, process))
        {
            return false;
        }

        Current = null;
        if (_ready.Task.IsCompleted)
        {
            _ready = new TaskCompletionSource<RhsProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return true;
    }
}
