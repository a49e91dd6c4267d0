using Cluster.Contracts.Admin.V1;
using Cluster.Grpc;
using Cluster.Grpc.Client;

namespace Cluster.Service.Admin;

/// <summary>The CLI's client of one node's admin API.</summary>
internal sealed class AdminClient(GrpcChannel channel) : IDisposable
{
    private static readonly GrpcMethod<GetNodeRequest, GetNodeResponse> s_getNode =
        GrpcMethod.For<GetNodeRequest, GetNodeResponse>(Service, nameof(GetNode));

    private static Google.Protobuf.Reflection.ServiceDescriptor Service => AdminReflection.Descriptor.Services[0];

    public static AdminClient Connect(string endpoint, string token) =>
        new(GrpcChannel.Create(GrpcEndpoint.Parse(endpoint), new GrpcChannelOptions { BearerToken = token }));

    public Task<GetNodeResponse> GetNode(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync(s_getNode, new GetNodeRequest(), new CallOptions(timeout, CancellationToken: cancellationToken));

    public void Dispose() => channel.Dispose();
}
