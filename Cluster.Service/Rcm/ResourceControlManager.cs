using System.Threading.Channels;
using Cluster.Contracts.Types.V1;
using Cluster.Grpc;
using Cluster.Service.Monitors;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Rcm;

/// <summary>
/// The RCM's thin driver on one node: feeds monitor events, administrators' requests and timers into
/// each group's <see cref="GroupController"/>, one input at a time on a single loop, and carries out
/// the actions it returns through the monitor manager. All policy lives in the controller.
/// </summary>
internal sealed partial class ResourceControlManager : IAsyncDisposable
{
    private readonly MonitorManager _monitors;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Channel<Action> _inputs = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, HostedGroup> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _groupOfResource = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public ResourceControlManager(MonitorManager monitors, TimeProvider clock, ILoggerFactory loggerFactory)
    {
        _monitors = monitors;
        _clock = clock;
        _logger = loggerFactory.CreateLogger("RCM");
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Called for each group that exceeded a restart threshold with RestartAction 2 (the coordinator's cue).</summary>
    public Action<string, RequestFailover>? OnFailoverRequested { get; init; }

    /// <summary>Receives every note of the policy, with its group and time: the cluster log's RCM lines.</summary>
    public Action<string, RcmNote, DateTimeOffset>? OnNote { get; init; }

    /// <summary>Opens the group's resources on this node and starts bringing it to its persistent state.</summary>
    /// <exception cref="RpcException">A resource could not be opened; the ones opened before it are closed again.</exception>
    public async Task HostGroupAsync(GroupDefinition definition, IReadOnlyDictionary<string, ResourceSpec> specs, IReadOnlyDictionary<string, bool>? persistedOnline = null)
    {
        await Ask(() =>
        {
            if (_groups.ContainsKey(definition.Name) || definition.Resources.Keys.Any(_groupOfResource.ContainsKey))
            {
                throw new RpcException(StatusCode.AlreadyExists, $"Group {definition.Name} or one of its resources is already hosted on this node.");
            }
        }).ConfigureAwait(false);
        var opened = new List<string>();
        try
        {
            foreach (var name in definition.OnlineOrder)
            {
                await _monitors.OpenAsync(specs[name]).ConfigureAwait(false);
                opened.Add(name);
            }
        }
        catch (RpcException)
        {
            foreach (var name in opened)
            {
                await _monitors.CloseAsync(name).ConfigureAwait(false);
            }

            throw;
        }

        Post(() =>
        {
            var group = new HostedGroup(new GroupController(definition, persistedOnline));
            _groups.Add(definition.Name, group);
            foreach (var name in definition.OnlineOrder)
            {
                _groupOfResource[name] = definition.Name;
            }

            Apply(group, group.Controller.Start(_clock.GetUtcNow()));
        });
    }

    /// <summary>An administrator's Online/Offline for a group (resource null) or one resource of it.</summary>
    public Task SetPersistentStateAsync(string group, string? resource, bool online) => Ask(() =>
    {
        var hosted = _groups.TryGetValue(group, out var g) ? g : throw new RpcException(StatusCode.NotFound, $"Group {group} is not hosted on this node.");
        Apply(hosted, hosted.Controller.SetPersistentState(resource, online, _clock.GetUtcNow()));
    });

    /// <summary>An administrator's Online/Offline of one resource, wherever its group is.</summary>
    public async Task SetResourcePersistentStateAsync(string resource, bool online) =>
        await SetPersistentStateAsync(await GroupOfAsync(resource).ConfigureAwait(false), resource, online).ConfigureAwait(false);

    public Task<string> GroupOfAsync(string resource) => Ask(() =>
        _groupOfResource.TryGetValue(resource, out var group) ? group : throw new RpcException(StatusCode.NotFound, $"Resource {resource} is in no group on this node."));

    public Task<IReadOnlyList<GroupSnapshot>> ListGroupsAsync() => Ask(() => (IReadOnlyList<GroupSnapshot>)
        [.. _groups.Values.OrderBy(g => g.Controller.Definition.Name, StringComparer.Ordinal).Select(g => new GroupSnapshot(
            g.Controller.Definition.Name,
            g.Controller.State,
            [.. g.Controller.Definition.OnlineOrder.Select(r => new GroupResourceSnapshot(r, g.Controller.PersistedOnline(r), g.Controller.RestartCount(r)))]))]);

    public Task<GroupState> GroupStateAsync(string group) => Ask(() =>
        _groups.TryGetValue(group, out var g) ? g.Controller.State : throw new RpcException(StatusCode.NotFound, $"Group {group} is not hosted on this node."));

    /// <summary>Feeds one monitor event in (resource state changes; the rest is not the RCM's business).</summary>
    public void OnMonitorEvent(MonitorEvent item)
    {
        if (item is { Kind: MonitorEventKind.StateChanged, Resource: { } resource })
        {
            Post(() => Report(resource, item.NewState, item.Cause));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _inputs.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        foreach (var group in _groups.Values)
        {
            group.Timer?.Dispose();
        }
    }

    private void Report(string resource, ResourceState state, string cause)
    {
        if (_groupOfResource.TryGetValue(resource, out var name) && _groups.TryGetValue(name, out var group))
        {
            Apply(group, group.Controller.OnReported(resource, state, cause, _clock.GetUtcNow()));
        }
    }

    private void Apply(HostedGroup group, IReadOnlyList<RcmAction> actions)
    {
        foreach (var action in actions)
        {
            switch (action)
            {
                case BringOnline online:
                    _ = CallAsync(online.Resource, () => _monitors.OnlineAsync(online.Resource));
                    break;
                case TakeOffline offline:
                    _ = CallAsync(offline.Resource, () => _monitors.OfflineAsync(offline.Resource));
                    break;
                case RequestFailover failover:
                    LogFailover(_logger, group.Controller.Definition.Name, failover.Resource);
                    OnFailoverRequested?.Invoke(group.Controller.Definition.Name, failover);
                    break;
                case RcmNote note:
                    LogNote(_logger, group.Controller.Definition.Name, note.EventId ?? 0, note.Text);
                    OnNote?.Invoke(group.Controller.Definition.Name, note, _clock.GetUtcNow());
                    break;
            }
        }

        Schedule(group);
    }

    /// <summary>Re-arms the group's timer for the controller's next deadline.</summary>
    private void Schedule(HostedGroup group)
    {
        group.Timer?.Dispose();
        group.Timer = null;
        if (group.Controller.NextDeadline is { } deadline)
        {
            var due = deadline - _clock.GetUtcNow();
            group.Timer = _clock.CreateTimer(
                _ => Post(() => Apply(group, group.Controller.OnTimer(_clock.GetUtcNow()))),
                null, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Runs an entry point call. Its outcome comes back as monitor events; only an error that produced
    /// none (the resource is not hosted, say) is reported as a failure here.
    /// </summary>
    private async Task CallAsync(string resource, Func<Task<ResourceState>> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.Aborted or StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.DeadlineExceeded))
        {
            Post(() => Report(resource, ResourceState.Failed, e.Status.Detail));
        }
        catch (Exception e) when (e is RpcException or TimeoutException)
        {
            // The RHS died or hung: the monitor reports that as a failure event of its own.
            LogCallLost(_logger, resource, e.Message);
        }
    }

    private void Post(Action input) => _inputs.Writer.TryWrite(input);

    private Task<T> Ask<T>(Func<T> question)
    {
        var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                answer.SetResult(question());
            }
            catch (Exception e)
            {
                answer.SetException(e);
            }
        });
        return answer.Task;
    }

    private async Task Ask(Action request) => await Ask(() =>
    {
        request();
        return true;
    }).ConfigureAwait(false);

    private async Task RunAsync()
    {
        await foreach (var input in _inputs.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                input();
            }
            catch (GroupDefinitionException e)
            {
                LogInputRejected(_logger, e.Message);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or KeyNotFoundException)
            {
                // A defect, not an input: say so loudly, and keep serving the other groups.
                LogInputFailed(_logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Group {Group}: {Text} (event {EventId})")]
    private static partial void LogNote(ILogger logger, string group, int eventId, string text);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Error, Message = "Group {Group} must fail over because of {Resource}")]
    private static partial void LogFailover(ILogger logger, string group, string resource);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Call for {Resource} lost with its RHS: {Error}")]
    private static partial void LogCallLost(ILogger logger, string resource, string error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "RCM input rejected: {Error}")]
    private static partial void LogInputRejected(ILogger logger, string error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Critical, Message = "RCM input failed")]
    private static partial void LogInputFailed(ILogger logger, Exception exception);

    private sealed class HostedGroup(GroupController controller)
    {
        public GroupController Controller { get; } = controller;

        public ITimer? Timer { get; set; }
    }
}
