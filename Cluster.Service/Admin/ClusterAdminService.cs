using System.Diagnostics;
using Cluster.Contracts.Admin.V1;
using Cluster.Contracts.Rhs.V1;
using Cluster.Grpc;
using Cluster.Grpc.Server;
using Cluster.Service.Catalog;
using Cluster.Service.Monitors;
using Cluster.Service.Rcm;

namespace Cluster.Service.Admin;

/// <summary>The handlers of the admin API (cluster.admin.v1.ClusterAdmin) on one node.</summary>
internal sealed class ClusterAdminService(
    Func<NodeIdentity> identity, MonitorManager monitors, ResourceControlManager rcm, ResourceTypeRegistry types)
{
    public Task<GetNodeResponse> GetNode(GetNodeRequest request, ServerCallContext context)
    {
        var node = identity();
        return Task.FromResult(new GetNodeResponse
        {
            Name = node.Name,
            Pid = Environment.ProcessId,
            Endpoint = node.Endpoint,
            Version = node.Version,
            StartedUnixMs = node.Started.ToUnixTimeMilliseconds(),
        });
    }

    public Task<ListMonitorsResponse> ListMonitors(ListMonitorsRequest request, ServerCallContext context)
    {
        var response = new ListMonitorsResponse { Node = identity().Name };
        response.Monitors.AddRange(monitors.ListMonitors().Select(m =>
        {
            var monitor = new Contracts.Admin.V1.Monitor
            {
                Id = m.Id,
                Pid = m.Pid ?? 0,
                Dedicated = m.Dedicated,
                StartedUnixMs = m.StartedAt.ToUnixTimeMilliseconds(),
                Restarts = m.Restarts,
            };
            monitor.Resources.AddRange(m.Resources);
            return monitor;
        }));
        return Task.FromResult(response);
    }

    public Task<KillMonitorResponse> KillMonitor(KillMonitorRequest request, ServerCallContext context)
    {
        var id = request.TargetCase switch
        {
            KillMonitorRequest.TargetOneofCase.MonitorId => request.MonitorId,
            KillMonitorRequest.TargetOneofCase.Resource => monitors.MonitorOf(request.Resource),
            _ => throw new RpcException(StatusCode.InvalidArgument, "Name a monitor id or a resource."),
        };
        var pid = monitors.KillMonitor(id);
        return Task.FromResult(new KillMonitorResponse { MonitorId = id, Pid = pid });
    }

    public async Task<ListResourcesResponse> ListResources(ListResourcesRequest request, ServerCallContext context)
    {
        var policy = (await rcm.ListGroupsAsync())
            .SelectMany(g => g.Resources.Select(r => (Group: g.Name, Resource: r)))
            .ToDictionary(r => r.Resource.Name, StringComparer.Ordinal);
        var response = new ListResourcesResponse { Node = identity().Name };
        response.Resources.AddRange(monitors.ListResources().Select(r =>
        {
            var resource = new Contracts.Admin.V1.Resource
            {
                Name = r.Name,
                Type = r.Type,
                State = r.State,
                MonitorId = r.MonitorId,
                ApplicationPid = r.ApplicationPid ?? 0,
            };
            if (policy.TryGetValue(r.Name, out var known))
            {
                resource.Group = known.Group;
                resource.PersistentState = known.Resource.PersistedOnline ? Contracts.Types.V1.ResourceState.Online : Contracts.Types.V1.ResourceState.Offline;
                resource.RestartCount = known.Resource.RestartCount;
            }

            return resource;
        }));
        return response;
    }

    public async Task<ListGroupsResponse> ListGroups(ListGroupsRequest request, ServerCallContext context)
    {
        var response = new ListGroupsResponse { Node = identity().Name };
        foreach (var group in await rcm.ListGroupsAsync())
        {
            var item = new Group { Name = group.Name, State = group.State.ToString() };
            item.Resources.AddRange(group.Resources.Select(r => r.Name));
            response.Groups.Add(item);
        }

        return response;
    }

    public async Task<SetPersistentStateResponse> SetPersistentState(SetPersistentStateRequest request, ServerCallContext context)
    {
        switch (request.TargetCase)
        {
            case SetPersistentStateRequest.TargetOneofCase.Group:
                await rcm.SetPersistentStateAsync(request.Group, null, request.Online);
                break;
            case SetPersistentStateRequest.TargetOneofCase.Resource:
                await rcm.SetResourcePersistentStateAsync(request.Resource, request.Online);
                break;
            default:
                throw new RpcException(StatusCode.InvalidArgument, "Name a group or a resource.");
        }

        return new SetPersistentStateResponse();
    }

    public async Task<ControlResourceResponse> ControlResource(ControlResourceRequest request, ServerCallContext context)
    {
        var response = new ControlResourceResponse();
        response.Output.Add((await monitors.ControlAsync(request.Resource, request.Code, request.Arguments)).ToDictionary());
        return response;
    }

    public Task<FailResourceResponse> FailResource(FailResourceRequest request, ServerCallContext context)
    {
        monitors.SimulateFailure(request.Resource);
        return Task.FromResult(new FailResourceResponse());
    }

    public async Task<RegisterResourceTypeResponse> RegisterResourceType(RegisterResourceTypeRequest request, ServerCallContext context) =>
        new() { Info = await types.RegisterAsync(request.Name, request.DllPath, context.CancellationToken) };

    public async Task<ListResourceTypesResponse> ListResourceTypes(ListResourceTypesRequest request, ServerCallContext context)
    {
        var response = new ListResourceTypesResponse();
        foreach (var type in await types.ListAsync(context.CancellationToken))
        {
            response.ResourceTypes.Add(await monitors.LoadTypeAsync(type));
        }

        return response;
    }

    public async Task<HostResourceResponse> HostResource(HostResourceRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            throw new RpcException(StatusCode.InvalidArgument, "A resource needs a name.");
        }

        if (string.IsNullOrWhiteSpace(request.Type))
        {
            throw new RpcException(StatusCode.InvalidArgument, $"Resource {request.Name} needs a type.");
        }

        var defaults = new ResourceSpec { Name = request.Name, Type = new ResourceTypeRef() };
        var spec = new ResourceSpec
        {
            Name = request.Name,
            Type = request.DllPath.Length > 0
                ? new ResourceTypeRef { Name = request.Type, DllPath = request.DllPath }
                : await types.ResolveAsync(request.Type, context.CancellationToken),
            Properties = request.Properties,
            SeparateMonitor = request.SeparateMonitor,
            LooksAlivePollInterval = Milliseconds(request.LooksAlivePollIntervalMs),
            IsAlivePollInterval = Milliseconds(request.IsAlivePollIntervalMs),
            PendingTimeout = Milliseconds(request.PendingTimeoutMs) ?? defaults.PendingTimeout,
            DeadlockTimeout = Milliseconds(request.DeadlockTimeoutMs) ?? monitors.DefaultDeadlockTimeout,
        };
        // Interim: the resource becomes a group of its own, under the RCM and WSFC's default restart policy.
        await rcm.HostGroupAsync(
            GroupDefinition.Create(spec.Name, [new ResourceDefinition(spec.Name)]),
            new Dictionary<string, ResourceSpec> { [spec.Name] = spec });
        var state = await SettledStateAsync(spec.Name, context.CancellationToken);
        return new HostResourceResponse { State = state, MonitorId = monitors.MonitorOf(spec.Name) };
    }

    /// <summary>
    /// The resource's state once its first transition has settled; after 10 s (a long OnlinePending, say)
    /// or when the call is ending, whatever it is then.
    /// </summary>
    private async Task<Contracts.Types.V1.ResourceState> SettledStateAsync(string name, CancellationToken cancellationToken)
    {
        var patience = Stopwatch.StartNew();
        while (true)
        {
            var state = monitors.ListResources().Single(r => r.Name == name).State;
            if (state is Contracts.Types.V1.ResourceState.Online or Contracts.Types.V1.ResourceState.Failed
                || cancellationToken.IsCancellationRequested || patience.Elapsed > TimeSpan.FromSeconds(10))
            {
                return state;
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }

    private static TimeSpan? Milliseconds(uint value) => value == 0 ? null : TimeSpan.FromMilliseconds(value);
}
