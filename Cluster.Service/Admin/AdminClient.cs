using Cluster.Contracts.Admin.V1;
using Cluster.Grpc;
using Cluster.Grpc.Client;
using Google.Protobuf;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Cluster.Service.Admin;

/// <summary>The CLI's client of one node's admin API.</summary>
internal sealed class AdminClient(GrpcChannel channel, string nodeName) : IDisposable
{
    /// <summary>Long enough for HostResource, which waits for Online (bounded by the node's own DeadlockTimeout).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly ServiceDescriptor s_service = AdminReflection.Descriptor.Services[0];
    private static readonly GrpcMethod<GetNodeRequest, GetNodeResponse> s_getNode = Method<GetNodeRequest, GetNodeResponse>("GetNode");
    private static readonly GrpcMethod<ListMonitorsRequest, ListMonitorsResponse> s_listMonitors =
        Method<ListMonitorsRequest, ListMonitorsResponse>("ListMonitors");
    private static readonly GrpcMethod<KillMonitorRequest, KillMonitorResponse> s_killMonitor =
        Method<KillMonitorRequest, KillMonitorResponse>("KillMonitor");
    private static readonly GrpcMethod<ListResourcesRequest, ListResourcesResponse> s_listResources =
        Method<ListResourcesRequest, ListResourcesResponse>("ListResources");
    private static readonly GrpcMethod<HostResourceRequest, HostResourceResponse> s_hostResource =
        Method<HostResourceRequest, HostResourceResponse>("HostResource");
    private static readonly GrpcMethod<RegisterResourceTypeRequest, RegisterResourceTypeResponse> s_registerType =
        Method<RegisterResourceTypeRequest, RegisterResourceTypeResponse>("RegisterResourceType");
    private static readonly GrpcMethod<ListResourceTypesRequest, ListResourceTypesResponse> s_listTypes =
        Method<ListResourceTypesRequest, ListResourceTypesResponse>("ListResourceTypes");
    private static readonly GrpcMethod<ListGroupsRequest, ListGroupsResponse> s_listGroups = Method<ListGroupsRequest, ListGroupsResponse>("ListGroups");
    private static readonly GrpcMethod<SetPersistentStateRequest, SetPersistentStateResponse> s_setPersistentState =
        Method<SetPersistentStateRequest, SetPersistentStateResponse>("SetPersistentState");
    private static readonly GrpcMethod<ControlResourceRequest, ControlResourceResponse> s_controlResource =
        Method<ControlResourceRequest, ControlResourceResponse>("ControlResource");
    private static readonly GrpcMethod<FailResourceRequest, FailResourceResponse> s_failResource =
        Method<FailResourceRequest, FailResourceResponse>("FailResource");

    public string NodeName { get; } = nodeName;

    public static AdminClient Connect(NodeRecord node, string token) =>
        new(GrpcChannel.Create(GrpcEndpoint.Parse(node.Endpoint), new GrpcChannelOptions { BearerToken = token }), node.Name);

    public Task<GetNodeResponse> GetNode(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync(s_getNode, new GetNodeRequest(), new CallOptions(timeout, CancellationToken: cancellationToken));

    public Task<ListMonitorsResponse> ListMonitors(CancellationToken cancellationToken = default) =>
        Call(s_listMonitors, new ListMonitorsRequest(), cancellationToken);

    public Task<KillMonitorResponse> KillMonitor(KillMonitorRequest request, CancellationToken cancellationToken = default) =>
        Call(s_killMonitor, request, cancellationToken);

    public Task<ListResourcesResponse> ListResources(CancellationToken cancellationToken = default) =>
        Call(s_listResources, new ListResourcesRequest(), cancellationToken);

    public Task<HostResourceResponse> HostResource(HostResourceRequest request, CancellationToken cancellationToken = default) =>
        Call(s_hostResource, request, cancellationToken);

    public Task<ListGroupsResponse> ListGroups(CancellationToken cancellationToken = default) =>
        Call(s_listGroups, new ListGroupsRequest(), cancellationToken);

    public Task<SetPersistentStateResponse> SetPersistentState(SetPersistentStateRequest request, CancellationToken cancellationToken = default) =>
        Call(s_setPersistentState, request, cancellationToken);

    public Task<ControlResourceResponse> ControlResource(ControlResourceRequest request, CancellationToken cancellationToken = default) =>
        Call(s_controlResource, request, cancellationToken);

    public Task<FailResourceResponse> FailResource(FailResourceRequest request, CancellationToken cancellationToken = default) =>
        Call(s_failResource, request, cancellationToken);

    public Task<RegisterResourceTypeResponse> RegisterResourceType(RegisterResourceTypeRequest request, CancellationToken cancellationToken = default) =>
        Call(s_registerType, request, cancellationToken);

    public Task<ListResourceTypesResponse> ListResourceTypes(CancellationToken cancellationToken = default) =>
        Call(s_listTypes, new ListResourceTypesRequest(), cancellationToken);

    public void Dispose() => channel.Dispose();

    private Task<TResponse> Call<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new() =>
        channel.UnaryAsync(method, request, new CallOptions(DefaultTimeout, CancellationToken: cancellationToken));

    private static GrpcMethod<TRequest, TResponse> Method<TRequest, TResponse>(string name)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new() =>
        GrpcMethod.For<TRequest, TResponse>(s_service, name);
}
