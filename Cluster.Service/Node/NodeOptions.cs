namespace Cluster.Service.Node;

internal sealed class NodeOptions
{
    public required string Name { get; init; }

    public required ClusterDirectory Directory { get; init; }

    /// <summary>Where the admin API listens; default TCP loopback on an ephemeral port.</summary>
    public Grpc.GrpcEndpoint AdminEndpoint { get; init; } = Grpc.GrpcEndpoint.Loopback();

    /// <summary>The node's DeadlockTimeout (WSFC: 5 minutes): resources that set none, and RHS health pings.</summary>
    public TimeSpan DeadlockTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Its lease: TTL, renewal, fencing margin.</summary>
    public Membership.MembershipOptions Membership { get; init; } = new();
}
