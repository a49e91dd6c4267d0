using Cluster.Protocol.Types.V1;

namespace Cluster.Service.Monitors;

/// <summary>What the node knows of one resource it hosts.</summary>
/// <remarks>Mutated under the monitor manager's lock.</remarks>
internal sealed class HostedResourceState(ResourceSpec spec, ResourceMonitor monitor)
{
    private TaskCompletionSource<RhsProcess> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Its spec; a new one with other timings only replaces it in place (<see cref="MonitorManager.RetimeAsync"/>).</summary>
    public ResourceSpec Spec { get; set; } = spec;

    /// <summary>The type's default poll intervals, learnt when it was opened: what a spec without its own falls back to.</summary>
    public (TimeSpan LooksAlive, TimeSpan IsAlive) TypeIntervals { get; set; } = (TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60));

    public string Name => Spec.Name;

    public ResourceMonitor Monitor { get; set; } = monitor;

    public ResourceState State { get; set; } = ResourceState.Offline;

    public TimeSpan LooksAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan IsAliveInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The Terminate that follows a failure: the next Online waits for it, so it cannot kill what Online starts.</summary>
    public Task Terminating { get; set; } = Task.CompletedTask;

    /// <summary>
    /// Completes with the RHS the resource is open in; calls for it wait here while its monitor recovers,
    /// so that a recycle fails it once, not once per call that would reach an RHS where it is not open yet.
    /// Faults when it cannot be opened there, or is no longer hosted.
    /// </summary>
    public Task<RhsProcess> Ready => _ready.Task;

    /// <summary>It is open in <paramref name="rhs"/>: calls may go there.</summary>
    public void Opened(RhsProcess rhs)
    {
        if (!_ready.TrySetResult(rhs))
        {
            _ready = Completed(rhs);
        }
    }

    /// <summary>Its RHS is gone: calls wait until it is open in the next one.</summary>
    public void Unready()
    {
        if (_ready.Task.IsCompleted)
        {
            _ready = new TaskCompletionSource<RhsProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>It will not be open anywhere on this node (not again, or not any more): calls fail with <paramref name="error"/>.</summary>
    public void Unreachable(Exception error)
    {
        if (!_ready.TrySetException(error))
        {
            _ready = new TaskCompletionSource<RhsProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ready.SetException(error);
        }

        _ = _ready.Task.Exception; // observed: nobody may be waiting
    }

    /// <summary>Read-only properties the DLL published (e.g. ProcessId).</summary>
    public Dictionary<string, string> ReadOnlyProperties { get; } = new(StringComparer.Ordinal);

    private static TaskCompletionSource<RhsProcess> Completed(RhsProcess rhs)
    {
        var ready = new TaskCompletionSource<RhsProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
        ready.SetResult(rhs);
        return ready;
    }
}
