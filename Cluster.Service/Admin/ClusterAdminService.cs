using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol;
using Grpc.Core;
using Cluster.Service.Feeds;
using Cluster.Service.Catalog;
using Cluster.Service.Database;
using Cluster.Service.Monitors;
using Cluster.Service.Rcm;
using Cluster.Service.Trace;

namespace Cluster.Service.Admin;

/// <summary>The handlers of the admin API (cluster.admin.v1.ClusterAdmin) on one node.</summary>
internal sealed class ClusterAdminService(NodeServices services) : ClusterAdmin.ClusterAdminBase
{

    public override Task<GetNodeResponse> GetNode(GetNodeRequest request, ServerCallContext context)
    {
        var node = services.Identity();
        return Task.FromResult(new GetNodeResponse
        {
            Name = node.Name,
            Pid = Environment.ProcessId,
            Endpoint = node.Endpoint,
            Version = node.Version,
            StartedUnixMs = node.Started.ToUnixTimeMilliseconds(),
        });
    }

    public override Task<ListMonitorsResponse> ListMonitors(ListMonitorsRequest request, ServerCallContext context)
    {
        var response = new ListMonitorsResponse { Node = services.Identity().Name };
        response.Monitors.AddRange(services.Monitors.ListMonitors().Select(m =>
        {
            var monitor = new Protocol.Admin.V1.Monitor
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

    public override Task<KillMonitorResponse> KillMonitor(KillMonitorRequest request, ServerCallContext context)
    {
        var id = request.TargetCase switch
        {
            KillMonitorRequest.TargetOneofCase.MonitorId => request.MonitorId,
            KillMonitorRequest.TargetOneofCase.Resource => services.Monitors.MonitorOf(request.Resource),
            _ => throw new ClusterException(ClusterErrorKind.InvalidArgument, "Name a monitor id or a resource."),
        };
        var pid = services.Monitors.KillMonitor(id);
        return Task.FromResult(new KillMonitorResponse { MonitorId = id, Pid = pid });
    }

    public override async Task<ListResourcesResponse> ListResources(ListResourcesRequest request, ServerCallContext context)
    {
        var configuration = await services.Database.ReadAsync(context.CancellationToken);
        var policy = (await services.Rcm.ListGroupsAsync())
            .SelectMany(g => g.Resources.Select(r => (Group: g.Name, Resource: r)))
            .ToDictionary(r => r.Resource.Name, StringComparer.Ordinal);
        var live = services.Monitors.ListResources().ToDictionary(r => r.Name, StringComparer.Ordinal);
        var node = services.Identity().Name;
        var response = new ListResourcesResponse { Node = node };
        foreach (var stored in configuration.Resources.Values)
        {
            var resource = new Protocol.Admin.V1.Resource
            {
                Name = stored.Name,
                Type = stored.Type,
                Group = stored.Group,
                State = Protocol.Types.V1.ResourceState.Offline,
                PersistentState = configuration.IsPersistedOnline(stored.Name) ? Protocol.Types.V1.ResourceState.Online : Protocol.Types.V1.ResourceState.Offline,
                Node = configuration.OwnerOf(stored.Group) ?? string.Empty,
            };
            if (policy.TryGetValue(stored.Name, out var known))
            {
                resource.Hosted = true;
                resource.Node = node;
                resource.RestartCount = known.Resource.RestartCount;
                if (live.TryGetValue(stored.Name, out var r))
                {
                    resource.State = r.State;
                    resource.MonitorId = r.MonitorId;
                    resource.ApplicationPid = r.ApplicationPid ?? 0;
                }
            }
            else if (resource.Node.Length > 0 && resource.Node != node)
            {
                resource.State = Protocol.Types.V1.ResourceState.Unknown; // its owner reports it
            }

            response.Resources.Add(resource);
        }

        return response;
    }

    public override async Task<ListGroupsResponse> ListGroups(ListGroupsRequest request, ServerCallContext context)
    {
        var configuration = await services.Database.ReadAsync(context.CancellationToken);
        var hosted = (await services.Rcm.ListGroupsAsync()).ToDictionary(g => g.Name, StringComparer.Ordinal);
        var node = services.Identity().Name;
        var response = new ListGroupsResponse { Node = node };
        foreach (var stored in configuration.Groups.Values)
        {
            var owner = configuration.OwnerOf(stored.Name) ?? string.Empty;
            var item = new Group { Name = stored.Name, Node = owner, State = owner.Length == 0 || owner == node ? "Offline" : "Unknown" };
            if (hosted.TryGetValue(stored.Name, out var live))
            {
                item.Hosted = true;
                item.Node = node;
                item.State = live.State.ToString();
            }

            item.Resources.AddRange(configuration.ResourcesOf(stored.Name).Select(r => r.Name));
            item.PreferredOwners.AddRange(stored.PreferredOwners);
            response.Groups.Add(item);
        }

        return response;
    }

    public override async Task<SetPersistentStateResponse> SetPersistentState(SetPersistentStateRequest request, ServerCallContext context)
    {
        var (group, resource) = request.TargetCase switch
        {
            SetPersistentStateRequest.TargetOneofCase.Group => (request.Group, (string?)null),
            SetPersistentStateRequest.TargetOneofCase.Resource => (null, request.Resource),
            _ => throw new ClusterException(ClusterErrorKind.InvalidArgument, "Name a group or a resource."),
        };
        await services.Database.UpdateAsync(c => ConfigurationEdits.SetPersistentState(c, group, resource, request.Online), context.CancellationToken);
        return new SetPersistentStateResponse();
    }

    public override Task<ChangeResponse> CreateGroup(CreateGroupRequest request, ServerCallContext context) =>
        ChangeAsync(c => ConfigurationEdits.CreateGroup(c, request.Group ?? throw Missing("group")), context);

    public override Task<ChangeResponse> DeleteGroup(DeleteGroupRequest request, ServerCallContext context) =>
        ChangeAsync(c => ConfigurationEdits.DeleteGroup(c, request.Name, request.RemoveResources), context);

    public override Task<ChangeResponse> SetGroup(SetGroupRequest request, ServerCallContext context) =>
        ChangeAsync(c => ConfigurationEdits.SetGroup(c, request.Name, request.Settings), context);

    public override Task<ChangeResponse> CreateResource(CreateResourceRequest request, ServerCallContext context) =>
        ChangeAsync(c => ConfigurationEdits.CreateResource(c, request.Resource ?? throw Missing("resource")), context);

    public override Task<ChangeResponse> DeleteResource(DeleteResourceRequest request, ServerCallContext context) =>
        ChangeAsync(c => ConfigurationEdits.DeleteResource(c, request.Name), context);

    public override Task<ChangeResponse> SetResource(SetResourceRequest request, ServerCallContext context) =>
        ChangeAsync(c => ConfigurationEdits.SetResource(c, request.Name, request.Settings), context);

    public override async Task<ChangeResponse> Apply(ApplyRequest request, ServerCallContext context)
    {
        ClusterConfiguration Change(ClusterConfiguration c) => ConfigurationEdits.Apply(c, request.Groups, request.Resources, request.GroupOnline, request.Prune);
        if (!request.DryRun)
        {
            return await ChangeAsync(Change, context);
        }

        var (before, after) = await services.Database.PreviewAsync(Change, context.CancellationToken);
        var response = new ChangeResponse { Revision = before.Revision };
        response.Changes.AddRange(ConfigurationEdits.Describe(before, after));
        return response;
    }

    public override async Task<GetConfigurationResponse> GetConfiguration(GetConfigurationRequest request, ServerCallContext context)
    {
        var configuration = await services.Database.ReadAsync(context.CancellationToken);
        var response = new GetConfigurationResponse { Revision = configuration.Revision };
        response.Groups.AddRange(configuration.Groups.Values);
        response.Resources.AddRange(configuration.Resources.Values);
        response.PersistentOnline.Add(configuration.PersistentOnline);
        response.Owners.Add(configuration.Owners);
        return response;
    }

    public override async Task<ControlResourceResponse> ControlResource(ControlResourceRequest request, ServerCallContext context)
    {
        var response = new ControlResourceResponse();
        response.Output.Add((await services.Monitors.ControlAsync(request.Resource, request.Code, request.Arguments)).ToDictionary());
        return response;
    }

    public override Task<FailResourceResponse> FailResource(FailResourceRequest request, ServerCallContext context)
    {
        services.Monitors.SimulateFailure(request.Resource);
        return Task.FromResult(new FailResourceResponse());
    }

    public override async Task<RegisterResourceTypeResponse> RegisterResourceType(RegisterResourceTypeRequest request, ServerCallContext context) =>
        new() { Info = await services.Types.RegisterAsync(request.Name, request.DllPath, context.CancellationToken) };

    public override async Task<ListResourceTypesResponse> ListResourceTypes(ListResourceTypesRequest request, ServerCallContext context)
    {
        var response = new ListResourceTypesResponse();
        foreach (var type in await services.Types.ListAsync(context.CancellationToken))
        {
            response.ResourceTypes.Add(await services.Monitors.LoadTypeAsync(type));
        }

        return response;
    }

    public override async Task<ListNodesResponse> ListNodes(ListNodesRequest request, ServerCallContext context)
    {
        var configuration = await services.Database.ReadAsync(context.CancellationToken);
        var response = new ListNodesResponse();
        foreach (var (name, info) in configuration.Nodes)
        {
            var item = new ClusterNode
            {
                Name = name,
                State = configuration.NodeState(name),
                Coordinator = configuration.Coordinator == name,
                MaxGroups = info.MaxGroups,
            };
            if (configuration.Members.TryGetValue(name, out var member))
            {
                item.Pid = member.Pid;
                item.Endpoint = member.Endpoint;
            }

            item.Groups.AddRange(configuration.GroupsOwnedBy(name));
            response.Nodes.Add(item);
        }

        return response;
    }

    public override Task<ChangeResponse> PauseNode(PauseNodeRequest request, ServerCallContext context) =>
        ChangeAsync(c => OwnershipEdits.Pause(c, request.Name, request.Drain), context);

    public override Task<ChangeResponse> SetNode(SetNodeRequest request, ServerCallContext context) =>
        ChangeAsync(c => OwnershipEdits.SetNode(c, request.Name, request.Settings), context);

    public override Task<ChangeResponse> ResumeNode(ResumeNodeRequest request, ServerCallContext context) =>
        ChangeAsync(c => OwnershipEdits.Resume(c, request.Name, request.Failback), context);

    public override Task<ChangeResponse> MoveGroup(MoveGroupRequest request, ServerCallContext context) =>
        ChangeAsync(c => OwnershipEdits.Move(c, request.Group, request.To), context);

    public override Task<IsolateNodeResponse> IsolateNode(IsolateNodeRequest request, ServerCallContext context)
    {
        services.Store.Isolated = request.Isolated;
        return Task.FromResult(new IsolateNodeResponse { Node = services.Identity().Name });
    }

    public override async Task<ShowResponse> Show(ShowRequest request, ServerCallContext context)
    {
        var configuration = await services.Database.ReadAsync(context.CancellationToken);
        var response = new ShowResponse { AnsweredBy = services.Identity().Name };
        switch (request.TargetCase)
        {
            case ShowRequest.TargetOneofCase.Resource:
                var resource = configuration.GetResource(request.Resource);
                ResourceTypeInfo? type = null;
                try
                {
                    type = await services.Monitors.LoadTypeAsync(await services.Types.ResolveAsync(resource.Type, context.CancellationToken));
                }
                catch (ClusterException)
                {
                    // The type does not load here: its poll intervals are shown as the type's, unknown.
                }

                response.Kind = "resource";
                response.Name = resource.Name;
                response.Type = resource.Type;
                response.Group = resource.Group;
                response.PrivateProperties.Add(resource.Properties);
                response.Properties.AddRange(PropertySheet.Of(resource, type, services.Monitors.DefaultDeadlockTimeout));
                break;
            case ShowRequest.TargetOneofCase.Group:
                var group = configuration.GetGroup(request.Group);
                response.Kind = "group";
                response.Name = group.Name;
                response.Resources.AddRange(configuration.ResourcesOf(group.Name).Select(r => r.Name));
                response.Properties.AddRange(PropertySheet.Of(group, configuration.Nodes.Count));
                break;
            case ShowRequest.TargetOneofCase.Node:
                var node = configuration.Nodes.GetValueOrDefault(request.Node)
                    ?? throw new ClusterException(ClusterErrorKind.NotFound, $"There is no node {request.Node} in the cluster.");
                response.Kind = "node";
                response.Name = node.Name;
                response.Properties.AddRange(PropertySheet.Of(node));
                break;
            default:
                throw new ClusterException(ClusterErrorKind.InvalidArgument, "Name a resource, a group or a node to show.");
        }

        return response;
    }

    public override async Task Trace(TraceRequest request, IServerStreamWriter<CallRecord> responseStream, ServerCallContext context)
    {
        var log = services.Trace ?? throw new ClusterException(ClusterErrorKind.FailedPrecondition,
            $"Node {services.Identity().Name} records no calls: it runs with --trace-capacity 0.");
        if (request.SinceUnixMs < 0 || request.AfterSequence < 0)
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument, "since_unix_ms and after_sequence must be 0 or more.");
        }

        var filter = TraceFilter.From(request.Filter);
        var groups = new ResourceGroups(services.Database, TimeProvider.System);
        using var subscription = log.Subscribe(request.AfterSequence, request.SinceUnixMs * 1000, request.Follow);
        await StreamAsync(subscription, SendIfMatchingAsync, context.CancellationToken).ConfigureAwait(false);

        async Task SendIfMatchingAsync(CallRecord record)
        {
            var group = record.Group.Length > 0 ? null : await groups.GroupOfAsync(record.Resource, context.CancellationToken).ConfigureAwait(false);
            if (filter.Matches(record, group))
            {
                await responseStream.WriteAsync(group is null ? record : new CallRecord(record) { Group = group }, context.CancellationToken)
                    .ConfigureAwait(false);
            }
        }
    }

    public override async Task WatchEvents(WatchClusterEventsRequest request, IServerStreamWriter<ClusterEvent> responseStream, ServerCallContext context)
    {
        if (request.AfterSequence < 0)
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument, "after_sequence must be 0 or more.");
        }

        using var subscription = services.Events.Subscribe(request.AfterSequence, 0, request.Follow);
        await StreamAsync(subscription, e => responseStream.WriteAsync(e, context.CancellationToken), context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>A feed's backlog, then its live records until the caller leaves; a subscriber the node dropped ends RESOURCE_EXHAUSTED.</summary>
    private static async Task StreamAsync<T>(FeedSubscription<T> subscription, Func<T, Task> send, CancellationToken cancellationToken)
    {
        foreach (var record in subscription.Backlog)
        {
            await send(record).ConfigureAwait(false);
        }

        if (subscription.Live is not { } live)
        {
            return;
        }

        try
        {
            await foreach (var record in live.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await send(record).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is FeedSubscriberDroppedException || e.InnerException is FeedSubscriberDroppedException)
        {
            throw new ClusterException(ClusterErrorKind.ResourceExhausted, (e as FeedSubscriberDroppedException ?? e.InnerException!).Message);
        }
    }

    private async Task<ChangeResponse> ChangeAsync(Func<ClusterConfiguration, ClusterConfiguration> change, ServerCallContext context)
    {
        ClusterConfiguration? before = null;
        var after = await services.Database.UpdateAsync(
            current =>
            {
                before = current;
                return change(current);
            },
            context.CancellationToken);
        var response = new ChangeResponse { Revision = after.Revision };
        response.Changes.AddRange(ConfigurationEdits.Describe(before!, after));
        foreach (var line in response.Changes)
        {
            // Every administrator's change, once, on the node that made it: moves, pauses, drains, settings, persistent states.
            services.ClusterLog("Admin", GroupOf(line), $"administrator: {line}");
        }

        return response;
    }

    /// <summary>The group a change line is about, when it names one ("group EVS1 moves from n1 to n2").</summary>
    private static string? GroupOf(string change) =>
        change.StartsWith("group ", StringComparison.Ordinal) ? change["group ".Length..].Split(' ', ':')[0] : null;

    private static ClusterException Missing(string what) => new(ClusterErrorKind.InvalidArgument, $"The request carries no {what}.");
}
