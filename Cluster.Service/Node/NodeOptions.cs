namespace Cluster.Service.Node;

internal sealed class NodeOptions
{
    public required string Name { get; init; }

    public required ClusterDirectory Directory { get; init; }

    /// <summary>Where the admin API listens; default TCP loopback on an ephemeral port.</summary>
    public Grpc.GrpcEndpoint AdminEndpoint { get; init; } = Grpc.GrpcEndpoint.Loopback();
}
