namespace Cluster.Service.Node;

internal sealed class NodeOptions
{
    public required string Name { get; init; }

    public required ClusterDirectory Directory { get; init; }

    /// <summary>The cluster store the node uses: the embedded SQLite file in <see cref="Directory"/>, or etcd.</summary>
    public Store.StoreLocation Store { get; init; } = Cluster.Service.Store.StoreLocation.Embedded;

    /// <summary>Where the admin API listens; default TCP loopback on an ephemeral port.</summary>
    public Protocol.Transport.GrpcEndpoint AdminEndpoint { get; init; } = Protocol.Transport.GrpcEndpoint.Loopback();

    /// <summary>The node's DeadlockTimeout (WSFC: 5 minutes), for resources that set none.</summary>
    public TimeSpan DeadlockTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an RHS may take to answer its health ping before it is declared frozen and replaced.</summary>
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How many recorded gRPC calls the node keeps for `cluster trace`; 0: it records none.</summary>
    public int TraceCapacity { get; init; } = Trace.TraceLog.DefaultCapacity;

    /// <summary>Its lease: TTL, renewal, fencing margin.</summary>
    public Membership.MembershipOptions Membership { get; init; } = new();
}
