namespace Cluster.Contracts.Resources;

/// <summary>
/// The states of a resource, as WSFC names them (CLUSTER_RESOURCE_STATE). The numbers are those of
/// cluster.types.v1.ResourceState on the wire, so the RHS passes a state through unchanged.
/// </summary>
public enum ResourceState
{
    /// <summary>No state given; never a valid report.</summary>
    Unspecified = 0,

    /// <summary>Not running.</summary>
    Offline = 1,

    /// <summary>Coming online; the resource reports Online (or Failed) when it gets there.</summary>
    OnlinePending = 2,

    /// <summary>Running.</summary>
    Online = 3,

    /// <summary>Going offline; the resource reports Offline when it gets there.</summary>
    OfflinePending = 4,

    /// <summary>Failed: the cluster's restart and failover policies take over.</summary>
    Failed = 5,

    /// <summary>Being created.</summary>
    Initializing = 6,

    /// <summary>The state cannot be told.</summary>
    Unknown = 7,
}
