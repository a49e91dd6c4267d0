using Cluster.Contracts.Types.V1;

namespace Cluster.Service.Monitors;

/// <summary>What the node knows of one resource it hosts.</summary>
internal sealed class HostedResourceState(ResourceSpec spec, ResourceMonitor monitor)
{
    public ResourceSpec Spec { get; } = spec;

    public string Name => Spec.Name;

    public ResourceMonitor Monitor { get; set; } = monitor;

    public ResourceState State { get; set; } = ResourceState.Offline;

    public TimeSpan LooksAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan IsAliveInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Bumped on every state change: loops and timers of an older state stop.</summary>
    public long Generation { get; set; }

    /// <summary>When the pending transition last reported progress.</summary>
    public long LastProgress { get; set; }

    /// <summary>The Terminate that follows a failure: the next Online waits for it, so it cannot kill what Online starts.</summary>
    public Task Terminating { get; set; } = Task.CompletedTask;

    /// <summary>Read-only properties the DLL published (e.g. ProcessId).</summary>
    public Dictionary<string, string> ReadOnlyProperties { get; } = new(StringComparer.Ordinal);
}
