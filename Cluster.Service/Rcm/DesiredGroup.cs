using Cluster.Service.Monitors;

namespace Cluster.Service.Rcm;

/// <summary>
/// A group as the cluster database says this node should host it: its policy, its resources' specs, its
/// persistent states, and the node's lease under which it was given the group. Nothing of it may start
/// unless that very lease is alive: after a freeze the node may have rejoined under a new lease while the
/// group moved on, and a decision read before the freeze must not act after it.
/// </summary>
internal sealed record DesiredGroup(
    GroupDefinition Definition,
    IReadOnlyDictionary<string, ResourceSpec> Specs,
    IReadOnlyDictionary<string, bool> PersistedOnline)
{
    /// <summary>The node's lease the ownership was read under; 0: not bound to one (no membership, as in the monitor harness).</summary>
    public long Lease { get; init; }
}
