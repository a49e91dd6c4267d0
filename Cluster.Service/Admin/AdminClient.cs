using System.Collections.Concurrent;
using Cluster.Contracts.Admin.V1;
using Cluster.Grpc;
using Cluster.Grpc.Client;
using Google.Protobuf;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Cluster.Service.Admin;

/// <summary>The CLI's client of one node's admin API.</summary>
internal sealed class AdminClient(GrpcChannel channel, string nodeName) : IDisposable
{
    /// <summary>Long enough for calls that wait for a store transaction or a type to load in an RHS.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// For questions a node answers from memory (lists, "are you there"): a node that cannot answer in
    /// this long is frozen or wedged, and the CLI carries on with the nodes that do answer.
    /// </summary>
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(3);

    private static readonly ServiceDescriptor s_service = AdminReflection.Descriptor.Services[0];
    private static readonly ConcurrentDictionary<Type, object> s_methods = new();

    public string NodeName { get; } = nodeName;

    public static AdminClient Connect(NodeRecord node, string token) =>
        new(GrpcChannel.Create(GrpcEndpoint.Parse(node.Endpoint), new GrpcChannelOptions { BearerToken = token }), node.Name);

    public Task<GetNodeResponse> GetNode(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync(Method<GetNodeRequest, GetNodeResponse>(), new GetNodeRequest(), new CallOptions(timeout, CancellationToken: cancellationToken));

    public Task<ListMonitorsResponse> ListMonitors(CancellationToken cancellationToken = default) =>
        Call<ListMonitorsRequest, ListMonitorsResponse>(new ListMonitorsRequest(), QueryTimeout, cancellationToken);

    public Task<KillMonitorResponse> KillMonitor(KillMonitorRequest request, CancellationToken cancellationToken = default) =>
        Call<KillMonitorRequest, KillMonitorResponse>(request, cancellationToken);

    public Task<ListResourcesResponse> ListResources(CancellationToken cancellationToken = default) =>
        Call<ListResourcesRequest, ListResourcesResponse>(new ListResourcesRequest(), QueryTimeout, cancellationToken);

    public Task<ListGroupsResponse> ListGroups(CancellationToken cancellationToken = default) =>
        Call<ListGroupsRequest, ListGroupsResponse>(new ListGroupsRequest(), QueryTimeout, cancellationToken);

    public Task<SetPersistentStateResponse> SetPersistentState(SetPersistentStateRequest request, CancellationToken cancellationToken = default) =>
        Call<SetPersistentStateRequest, SetPersistentStateResponse>(request, cancellationToken);

    public Task<ControlResourceResponse> ControlResource(ControlResourceRequest request, CancellationToken cancellationToken = default) =>
        Call<ControlResourceRequest, ControlResourceResponse>(request, cancellationToken);

    public Task<FailResourceResponse> FailResource(FailResourceRequest request, CancellationToken cancellationToken = default) =>
        Call<FailResourceRequest, FailResourceResponse>(request, cancellationToken);

    public Task<RegisterResourceTypeResponse> RegisterResourceType(RegisterResourceTypeRequest request, CancellationToken cancellationToken = default) =>
        Call<RegisterResourceTypeRequest, RegisterResourceTypeResponse>(request, cancellationToken);

    public Task<ListResourceTypesResponse> ListResourceTypes(CancellationToken cancellationToken = default) =>
        Call<ListResourceTypesRequest, ListResourceTypesResponse>(new ListResourceTypesRequest(), cancellationToken);

    public void Dispose() => channel.Dispose();

    /// <summary>Calls the admin method named after the request type (CreateGroupRequest: CreateGroup).</summary>
    public Task<TResponse> Call<TRequest, TResponse>(TRequest request, CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new() =>
        Call<TRequest, TResponse>(request, DefaultTimeout, cancellationToken);

    /// <summary>The same, with its own deadline.</summary>
    public Task<TResponse> Call<TRequest, TResponse>(TRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new() =>
        channel.UnaryAsync(Method<TRequest, TResponse>(), request, new CallOptions(timeout, CancellationToken: cancellationToken));

    private static GrpcMethod<TRequest, TResponse> Method<TRequest, TResponse>()
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new() =>
        (GrpcMethod<TRequest, TResponse>)s_methods.GetOrAdd(
            typeof(TRequest), type => GrpcMethod.For<TRequest, TResponse>(s_service, type.Name[..^"Request".Length]));
}
