using Cluster.Service.Catalog;
using Cluster.Service.Coordinator;
using Cluster.Service.Database;
using Cluster.Service.Monitors;
using Cluster.Service.Rcm;
using Cluster.Service.Store;

namespace Cluster.Service.Admin;

/// <summary>What the admin API of one node works with.</summary>
internal sealed class NodeServices
{
    public required Func<NodeIdentity> Identity { get; init; }

    public required MonitorManager Monitors { get; init; }

    public required ResourceControlManager Rcm { get; init; }

    public required ResourceTypeRegistry Types { get; init; }

    public required ClusterDatabase Database { get; init; }

    /// <summary>The node's way to the store, which `node isolate` cuts.</summary>
    public required IsolatableStore Store { get; init; }

    /// <summary>The node's recorded gRPC calls; null when it records none (--trace-capacity 0).</summary>
    public Trace.TraceLog? Trace { get; init; }

    /// <summary>The node's cluster log as a live feed of events.</summary>
    public required ClusterLog.ClusterEventFeed Events { get; init; }

    /// <summary>Writes a line of the node's cluster log: component, group (if any), text.</summary>
    public Action<string, string?, string> ClusterLog { get; init; } = static (_, _, _) => { };
}
