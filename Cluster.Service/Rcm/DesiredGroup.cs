using Cluster.Service.Monitors;

namespace Cluster.Service.Rcm;

/// <summary>A group as the cluster database says this node should host it: its policy, its resources' specs, its persistent states.</summary>
internal sealed record DesiredGroup(
    GroupDefinition Definition,
    IReadOnlyDictionary<string, ResourceSpec> Specs,
    IReadOnlyDictionary<string, bool> PersistedOnline);
