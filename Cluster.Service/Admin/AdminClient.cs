using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Transport;
using Google.Protobuf;
using Grpc.Core;

namespace Cluster.Service.Admin;

/// <summary>
/// The CLI's client of one node's admin API, on the generated typed client. Every call has a deadline;
/// a failure arrives as a ClusterException of the server's kind.
/// </summary>
internal sealed class AdminClient(GrpcConnection connection, string nodeName) : IDisposable
{
    /// <summary>Long enough for calls that wait for a store transaction or a type to load in an RHS.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// For questions a node answers from memory (lists, "are you there"): a node that cannot answer in
    /// this long is frozen or wedged, and the CLI carries on with the nodes that do answer.
    /// </summary>
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(3);

    private readonly ClusterAdmin.ClusterAdminClient _client = new(connection.Invoker);

    public string NodeName { get; } = nodeName;

    public static AdminClient Connect(NodeRecord node, string token) =>
        new(GrpcConnection.Open(GrpcEndpoint.Parse(node.Endpoint), new GrpcConnectionOptions { BearerToken = token, CallerName = "cli" }), node.Name);

    public Task<GetNodeResponse> GetNode(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _client.GetNodeAsync(new GetNodeRequest(), Deadline(timeout, cancellationToken)).ResponseAsync;

    public Task<ListMonitorsResponse> ListMonitors(CancellationToken cancellationToken = default) =>
        _client.ListMonitorsAsync(new ListMonitorsRequest(), Deadline(QueryTimeout, cancellationToken)).ResponseAsync;

    public Task<KillMonitorResponse> KillMonitor(KillMonitorRequest request, CancellationToken cancellationToken = default) =>
        _client.KillMonitorAsync(request, Deadline(DefaultTimeout, cancellationToken)).ResponseAsync;

    public Task<ListResourcesResponse> ListResources(CancellationToken cancellationToken = default) =>
        _client.ListResourcesAsync(new ListResourcesRequest(), Deadline(QueryTimeout, cancellationToken)).ResponseAsync;

    public Task<ListGroupsResponse> ListGroups(CancellationToken cancellationToken = default) =>
        _client.ListGroupsAsync(new ListGroupsRequest(), Deadline(QueryTimeout, cancellationToken)).ResponseAsync;

    public Task<ListNodesResponse> ListNodes(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _client.ListNodesAsync(new ListNodesRequest(), Deadline(timeout, cancellationToken)).ResponseAsync;

    public Task<SetPersistentStateResponse> SetPersistentState(SetPersistentStateRequest request, CancellationToken cancellationToken = default) =>
        _client.SetPersistentStateAsync(request, Deadline(DefaultTimeout, cancellationToken)).ResponseAsync;

    public Task<ControlResourceResponse> ControlResource(ControlResourceRequest request, CancellationToken cancellationToken = default) =>
        _client.ControlResourceAsync(request, Deadline(DefaultTimeout, cancellationToken)).ResponseAsync;

    public Task<FailResourceResponse> FailResource(FailResourceRequest request, CancellationToken cancellationToken = default) =>
        _client.FailResourceAsync(request, Deadline(DefaultTimeout, cancellationToken)).ResponseAsync;

    public Task<RegisterResourceTypeResponse> RegisterResourceType(RegisterResourceTypeRequest request, CancellationToken cancellationToken = default) =>
        _client.RegisterResourceTypeAsync(request, Deadline(DefaultTimeout, cancellationToken)).ResponseAsync;

    public Task<ListResourceTypesResponse> ListResourceTypes(CancellationToken cancellationToken = default) =>
        _client.ListResourceTypesAsync(new ListResourceTypesRequest(), Deadline(DefaultTimeout, cancellationToken)).ResponseAsync;

    public Task<ShowResponse> Show(ShowRequest request, CancellationToken cancellationToken = default) =>
        _client.ShowAsync(request, Deadline(DefaultTimeout, cancellationToken)).ResponseAsync;

    public Task<GetConfigurationResponse> GetConfiguration(CancellationToken cancellationToken = default) =>
        _client.GetConfigurationAsync(new GetConfigurationRequest(), Deadline(DefaultTimeout, cancellationToken)).ResponseAsync;

    public Task<IsolateNodeResponse> IsolateNode(IsolateNodeRequest request, CancellationToken cancellationToken = default) =>
        _client.IsolateNodeAsync(request, Deadline(DefaultTimeout, cancellationToken)).ResponseAsync;

    /// <summary>
    /// The node's recorded calls, as <paramref name="request"/> selects them. Without follow the stream
    /// ends after the backlog and <paramref name="timeout"/> bounds it; with follow it runs until cancelled.
    /// </summary>
    public async IAsyncEnumerable<CallRecord> Trace(
        TraceRequest request, TimeSpan? timeout, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var call = _client.Trace(request, timeout is { } t ? Deadline(t, cancellationToken) : new CallOptions(cancellationToken: cancellationToken));
        await foreach (var record in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return record;
        }
    }

    /// <summary>The node's cluster events after <paramref name="afterSequence"/>; with follow, then live until cancelled.</summary>
    public async IAsyncEnumerable<ClusterEvent> WatchEvents(
        long afterSequence, bool follow, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var call = _client.WatchEvents(
            new WatchClusterEventsRequest { AfterSequence = afterSequence, Follow = follow },
            follow ? new CallOptions(cancellationToken: cancellationToken) : Deadline(DefaultTimeout, cancellationToken));
        await foreach (var record in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return record;
        }
    }

    /// <summary>One change of the cluster database: any of the requests the admin API answers with a ChangeResponse.</summary>
    public Task<ChangeResponse> Change(IMessage request, CancellationToken cancellationToken = default)
    {
        var options = Deadline(DefaultTimeout, cancellationToken);
        var call = request switch
        {
            CreateGroupRequest r => _client.CreateGroupAsync(r, options),
            DeleteGroupRequest r => _client.DeleteGroupAsync(r, options),
            SetGroupRequest r => _client.SetGroupAsync(r, options),
            CreateResourceRequest r => _client.CreateResourceAsync(r, options),
            DeleteResourceRequest r => _client.DeleteResourceAsync(r, options),
            SetResourceRequest r => _client.SetResourceAsync(r, options),
            ApplyRequest r => _client.ApplyAsync(r, options),
            PauseNodeRequest r => _client.PauseNodeAsync(r, options),
            SetNodeRequest r => _client.SetNodeAsync(r, options),
            ResumeNodeRequest r => _client.ResumeNodeAsync(r, options),
            MoveGroupRequest r => _client.MoveGroupAsync(r, options),
            _ => throw new ArgumentException($"{request.Descriptor.Name} is not a change of the cluster database.", nameof(request)),
        };
        return call.ResponseAsync;
    }

    public void Dispose() => connection.Dispose();

    private static CallOptions Deadline(TimeSpan timeout, CancellationToken cancellationToken) => GrpcConnection.Deadline(timeout, cancellationToken);
}
