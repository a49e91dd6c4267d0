using System.Collections.Concurrent;
using Cluster.Contracts.Resources;
using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol;
using Grpc.Core;

namespace Cluster.Rhs;

/// <summary>The handlers of cluster.rhs.v1.ResourceHost: the node's calls, turned into entry-point calls.</summary>
internal sealed class ResourceHostService(ResourceTypeCatalog catalog, RhsRuntime runtime, FenceWatchdog fence, Action requestShutdown) : ResourceHost.ResourceHostBase
{
    private readonly ConcurrentDictionary<string, HostedResource> _resources = new(StringComparer.Ordinal);

    public IReadOnlyCollection<HostedResource> Resources => (IReadOnlyCollection<HostedResource>)_resources.Values;

    public override Task<LoadTypeResponse> LoadType(LoadTypeRequest request, ServerCallContext context) =>
        Task.FromResult(new LoadTypeResponse { Info = catalog.Load(request.Type?.DllPath ?? "", request.Type?.Name ?? "").ToInfo() });

    public override async Task<OpenResponse> Open(OpenRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Resource))
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument, "Open needs a resource name.");
        }

        if (_resources.ContainsKey(request.Resource))
        {
            throw new ClusterException(ClusterErrorKind.AlreadyExists, $"Resource {request.Resource} is already open in this RHS.");
        }

        var type = catalog.Load(request.Type?.DllPath ?? "", request.Type?.Name ?? "");
        var values = type.ValidateProperties(request.Properties, out var error);
        if (error is not null)
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument, $"Resource {request.Resource}: {error}.");
        }

        HostedResource resource;
        try
        {
            resource = new HostedResource(request.Resource, type, new ResourceProperties(values),
                Interval(request.LooksAlivePollIntervalMs, type.Attribute.LooksAlivePollIntervalMs),
                Interval(request.IsAlivePollIntervalMs, type.Attribute.IsAlivePollIntervalMs),
                runtime)
            {
                PendingTimeout = PendingTimeoutOf(request.PendingTimeoutMs),
            };
        }
        catch (Exception e) when (e is System.Reflection.TargetInvocationException or MissingMethodException)
        {
            throw new ClusterException(ClusterErrorKind.FailedPrecondition, $"Resource type {type.Name} could not be created: {(e.InnerException ?? e).Message}");
        }

        if (resource.Implements(nameof(Resource.Open)))
        {
            try
            {
                await resource.CallAsync(nameof(Resource.Open), r => { r.Open(); return true; }, context.CancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new ClusterException(ClusterErrorKind.FailedPrecondition, $"Open of {request.Resource} failed: {e.Message}");
            }
        }

        if (!_resources.TryAdd(request.Resource, resource))
        {
            throw new ClusterException(ClusterErrorKind.AlreadyExists, $"Resource {request.Resource} is already open in this RHS.");
        }

        return new OpenResponse { EventsThrough = runtime.Events.LastSequence };
    }

    public override async Task<CloseResponse> Close(CloseRequest request, ServerCallContext context)
    {
        var resource = Find(request.Resource);
        runtime.Health.Unwatch(resource.ResourceName);
        if (resource.Implements(nameof(Resource.Close)))
        {
            await resource.CallAsync(nameof(Resource.Close), r => { r.Close(); return true; }, context.CancellationToken);
        }

        _resources.TryRemove(request.Resource, out _);
        runtime.Pending.Forget(resource.ResourceName);
        return new CloseResponse();
    }

    public override async Task<OnlineResponse> Online(OnlineRequest request, ServerCallContext context)
    {
        if (!fence.Vouches(request.Lease, out var why))
        {
            // A fencing token: a start decided under a lease the node no longer holds must not happen here.
            throw new ClusterException(ClusterErrorKind.FailedPrecondition,
                $"Online of {request.Resource} under lease {request.Lease} refused: {why}; the node may not start anything under that lease.");
        }

        var resource = Find(request.Resource);
        var (state, message) = await TransitionAsync(
            resource, nameof(Resource.Online), r => r.Online(), ResourceState.Online, ResourceState.OnlinePending, context);
        if (state == ResourceState.Online)
        {
            runtime.Health.Watch(resource); // checked from now on, on the RHS's own schedule
        }

        return new OnlineResponse { State = state.ToWire(), Message = message, EventsThrough = runtime.Events.LastSequence };
    }

    public override async Task<OfflineResponse> Offline(OfflineRequest request, ServerCallContext context)
    {
        var resource = Find(request.Resource);
        runtime.Health.Unwatch(resource.ResourceName); // not checked while it stops
        var (state, message) = await TransitionAsync(
            resource, nameof(Resource.Offline), r => r.Offline(), ResourceState.Offline, ResourceState.OfflinePending, context);
        return new OfflineResponse { State = state.ToWire(), Message = message, EventsThrough = runtime.Events.LastSequence };
    }

    public override async Task<TerminateResponse> Terminate(TerminateRequest request, ServerCallContext context)
    {
        var resource = Find(request.Resource);
        runtime.Health.Unwatch(resource.ResourceName);
        runtime.Pending.Stop(resource.ResourceName);
        if (resource.Implements(nameof(Resource.Terminate)))
        {
            await resource.TerminateAsync();
        }

        return new TerminateResponse();
    }

    public override async Task<LooksAliveResponse> LooksAlive(LooksAliveRequest request, ServerCallContext context)
    {
        var (alive, message) = await HealthAsync(Find(request.Resource), nameof(Resource.LooksAlive), r => r.LooksAlive(), context);
        return new LooksAliveResponse { Alive = alive, Message = message };
    }

    public override async Task<IsAliveResponse> IsAlive(IsAliveRequest request, ServerCallContext context)
    {
        var (alive, message) = await HealthAsync(Find(request.Resource), nameof(Resource.IsAlive), r => r.IsAlive(), context);
        return new IsAliveResponse { Alive = alive, Message = message };
    }

    public override Task<SetPollIntervalsResponse> SetPollIntervals(SetPollIntervalsRequest request, ServerCallContext context)
    {
        var resource = Find(request.Resource);
        resource.LooksAliveInterval = Interval(request.LooksAlivePollIntervalMs, resource.Type.Attribute.LooksAlivePollIntervalMs);
        resource.IsAliveInterval = Interval(request.IsAlivePollIntervalMs, resource.Type.Attribute.IsAlivePollIntervalMs);
        resource.PendingTimeout = PendingTimeoutOf(request.PendingTimeoutMs);
        runtime.Health.Rewatch(resource);
        return Task.FromResult(new SetPollIntervalsResponse());
    }

    public override async Task<ResourceControlResponse> ResourceControl(ResourceControlRequest request, ServerCallContext context)
    {
        var resource = Find(request.Resource);
        if (!resource.Implements(nameof(Resource.ResourceControl)))
        {
            throw new ClusterException(ClusterErrorKind.Unimplemented, $"Resource type {resource.Type.Name} takes no control codes.");
        }

        IReadOnlyDictionary<string, string> output;
        try
        {
            output = await resource.CallAsync(
                nameof(Resource.ResourceControl), r => r.ResourceControl(request.Code, request.Arguments), context.CancellationToken);
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException)
        {
            throw new ClusterException(ClusterErrorKind.InvalidArgument, $"Control code '{request.Code}' for {request.Resource}: {e.Message}");
        }

        var response = new ResourceControlResponse();
        response.Output.Add(output.ToDictionary());
        return response;
    }

    public override async Task WatchEvents(WatchEventsRequest request, IServerStreamWriter<ResourceEvent> responses, ServerCallContext context)
    {
        await foreach (var item in runtime.Events.ReadAllAsync(context.CancellationToken))
        {
            await responses.WriteAsync(item, context.CancellationToken);
        }
    }

    public override Task<PingResponse> Ping(PingRequest request, ServerCallContext context)
    {
        var response = new PingResponse { Pid = Environment.ProcessId };
        response.Resources.AddRange(_resources.Keys.Order(StringComparer.Ordinal));
        response.Calls.AddRange(runtime.Calls.Snapshot());
        return Task.FromResult(response);
    }

    public override Task<PetResponse> Pet(PetRequest request, ServerCallContext context)
    {
        fence.Pet(TimeSpan.FromMilliseconds(request.ValidForMs), request.Lease);
        return Task.FromResult(new PetResponse());
    }

    public override Task<ShutdownResponse> Shutdown(ShutdownRequest request, ServerCallContext context)
    {
        requestShutdown();
        return Task.FromResult(new ShutdownResponse());
    }

    /// <summary>Stops everything this RHS started: Terminate then Close, each resource on its own thread.</summary>
    public async Task StopAllAsync(TimeSpan grace)
    {
        runtime.Health.Dispose();
        runtime.Pending.Dispose();
        var stopping = _resources.Values.Select(async resource =>
        {
            try
            {
                if (resource.Implements(nameof(Resource.Terminate)))
                {
                    await resource.TerminateAsync().WaitAsync(grace);
                }
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                // A Terminate that hangs or throws must not keep the RHS alive; the process exit ends it.
            }
        });
        await Task.WhenAll(stopping);
        _resources.Clear();
    }

    /// <summary>A poll interval from Open, or the type's default when Open left it 0.</summary>
    private static TimeSpan Interval(uint requestedMs, int typeDefaultMs) =>
        TimeSpan.FromMilliseconds(requestedMs > 0 ? requestedMs : Math.Max(1, typeDefaultMs));

    /// <summary>A PendingTimeout from the node, or WSFC's default when it sent 0.</summary>
    private static TimeSpan PendingTimeoutOf(uint requestedMs) =>
        requestedMs > 0 ? TimeSpan.FromMilliseconds(requestedMs) : HostedResource.DefaultPendingTimeout;

    private HostedResource Find(string name) =>
        _resources.TryGetValue(name ?? string.Empty, out var resource)
            ? resource
            : throw new ClusterException(ClusterErrorKind.NotFound, $"Resource {name} is not open in this RHS.");

    private static async Task<(ResourceState State, string Message)> TransitionAsync(
        HostedResource resource, string entryPoint, Func<Resource, ResourceState> call,
        ResourceState done, ResourceState pending, ServerCallContext context)
    {
        if (!resource.Implements(entryPoint))
        {
            return (done, string.Empty);
        }

        try
        {
            var state = await resource.TransitionAsync(entryPoint, call, pending, context.CancellationToken);
            return state == done || state == pending || state == ResourceState.Failed
                ? (state, string.Empty)
                : (ResourceState.Failed, $"{entryPoint} returned {state}, which is not a result of {entryPoint}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (ResourceState.Failed, $"{entryPoint} threw {e.GetType().Name}: {e.Message}");
        }
    }

    private static async Task<(bool Alive, string Message)> HealthAsync(
        HostedResource resource, string entryPoint, Func<Resource, bool> call, ServerCallContext context)
    {
        if (!resource.Implements(entryPoint))
        {
            return (true, string.Empty);
        }

        try
        {
            return (await resource.CallAsync(entryPoint, call, context.CancellationToken), string.Empty);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (false, $"{entryPoint} threw {e.GetType().Name}: {e.Message}");
        }
    }
}
