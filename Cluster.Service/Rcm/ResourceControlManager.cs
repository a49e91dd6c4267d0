using System.Threading.Channels;
using Cluster.Protocol.Types.V1;
using Cluster.Protocol;
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
    private bool _fenced; // touched on the loop only

    public ResourceControlManager(MonitorManager monitors, TimeProvider clock, ILoggerFactory loggerFactory)
    {
        _monitors = monitors;
        _clock = clock;
        _logger = loggerFactory.CreateLogger("RCM");
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The RCM's loop: it ends only at disposal, or faulted by a defect (for the node's supervisor).</summary>
    public Task Completion => _loop;

    /// <summary>Called for each group that exceeded a restart threshold with RestartAction 2 (the coordinator's cue).</summary>
    public Action<string, RequestFailover>? OnFailoverRequested { get; init; }

    /// <summary>Receives every note of the policy, with its group and time: the cluster log's RCM lines.</summary>
    public Action<string, RcmNote, DateTimeOffset>? OnNote { get; init; }

    /// <summary>
    /// Receives each change of a hosted group's state on this node (group, old, new, time), as the policy
    /// derives it from its resources; a group this node stops hosting ends Offline once its resources are down.
    /// </summary>
    public Action<string, GroupState, GroupState, DateTimeOffset>? OnGroupStateChanged { get; init; }

    /// <summary>
    /// Opens the group's resources on this node and starts bringing it to its persistent state. A resource
    /// that does not open (its DLL fails to load, say) is tried again at its Online, which then fails with
    /// the cause, so that the policy and the cluster log see it.
    /// </summary>
    /// <exception cref="ClusterException">The group, or one of its resources, is hosted here already.</exception>
    /// <returns>False when the node was fenced meanwhile (the group is not hosted).</returns>
    public async Task<bool> HostGroupAsync(
        GroupDefinition definition, IReadOnlyDictionary<string, ResourceSpec> specs, IReadOnlyDictionary<string, bool>? persistedOnline = null, long lease = 0)
    {
        await Ask(() =>
        {
            if (_fenced)
            {
                throw new ClusterException(ClusterErrorKind.Unavailable, $"Group {definition.Name} cannot be hosted: the node is fenced (its lease may have lapsed).");
            }

            if (_groups.ContainsKey(definition.Name) || definition.Resources.Keys.Any(_groupOfResource.ContainsKey))
            {
                throw new ClusterException(ClusterErrorKind.AlreadyExists, $"Group {definition.Name} or one of its resources is already hosted on this node.");
            }
        }).ConfigureAwait(false);
        var failed = await OpenAsync(definition.OnlineOrder, specs).ConfigureAwait(false);
        var hosted = await Ask(() =>
        {
            if (_fenced)
            {
                return false; // fenced while its resources opened: the next reconcile after the unfence hosts it afresh
            }

            var group = new HostedGroup(new GroupController(definition, persistedOnline), specs) { Lease = lease };
            foreach (var name in failed)
            {
                group.PendingSpecs[name] = specs[name];
            }

            _groups.Add(definition.Name, group);
            foreach (var name in definition.OnlineOrder)
            {
                _groupOfResource[name] = definition.Name;
            }

            Apply(group, group.Controller.Start(_clock.GetUtcNow()));
            return true;
        }).ConfigureAwait(false);
        if (!hosted)
        {
            foreach (var name in definition.OnlineOrder.Where(name => !failed.Contains(name)))
            {
                await TakeDownAsync(name).ConfigureAwait(false); // nothing of it may stay open where no group knows it
            }
        }

        return hosted;
    }

    /// <summary>
    /// Makes the groups this node hosts what the cluster database says it should: hosts new ones, drops
    /// those it no longer should host (offline, then closed), and updates the others in place. Called
    /// by one feed at a time; answers false when some group could not be hosted or updated, so that the
    /// feed tries again (level-triggered: the next call compares desired with actual afresh).
    /// </summary>
    public async Task<bool> ReconcileAsync(IReadOnlyList<DesiredGroup> desired)
    {
        var hosted = await Ask(() => _groups.ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, ResourceSpec>)g.Value.Specs.ToDictionary()))
            .ConfigureAwait(false);
        foreach (var name in hosted.Keys.Where(name => !desired.Any(d => d.Definition.Name == name)))
        {
            await UnhostGroupAsync(name).ConfigureAwait(false);
        }

        var converged = true;
        foreach (var group in desired)
        {
            try
            {
                converged &= hosted.TryGetValue(group.Definition.Name, out var opened)
                    ? await UpdateGroupAsync(group, opened).ConfigureAwait(false)
                    : await HostGroupAsync(group.Definition, group.Specs, group.PersistedOnline, group.Lease).ConfigureAwait(false);
            }
            catch (ClusterException e)
            {
                LogHostingFailed(_logger, group.Definition.Name, e.Message);
                converged = false;
            }
            catch (GroupDefinitionException e)
            {
                LogHostingFailed(_logger, group.Definition.Name, e.Message); // this group's input, not a defect: the others go on
                converged = false;
            }
        }

        return converged;
    }

    /// <summary>Stops hosting a group: its resources go offline in reverse dependency order and are closed.</summary>
    public async Task UnhostGroupAsync(string name)
    {
        var (last, order) = await Ask(() =>
        {
            if (!_groups.Remove(name, out var group))
            {
                return (GroupState.Offline, (IReadOnlyList<string>)[]);
            }

            group.Timer?.Dispose();
            foreach (var resource in group.Specs.Keys)
            {
                _groupOfResource.Remove(resource);
            }

            return (group.ReportedState, (IReadOnlyList<string>)[.. group.Controller.Definition.OnlineOrder.Reverse().Where(group.Specs.ContainsKey)]);
        }).ConfigureAwait(false);
        foreach (var resource in order)
        {
            await TakeDownAsync(resource).ConfigureAwait(false);
        }

        if (last is not GroupState.Offline)
        {
            OnGroupStateChanged?.Invoke(name, last, GroupState.Offline, _clock.GetUtcNow());
        }
    }

    /// <summary>
    /// Self-fencing: the node's lease may lapse, so every group is dropped (the caller has already killed
    /// every RHS with what it runs, through <see cref="MonitorManager.Fence"/>, without waiting for this
    /// loop), and nothing is hosted until <see cref="UnfenceAsync"/>.
    /// </summary>
    public async Task FenceAsync()
    {
        await Ask(() =>
        {
            _fenced = true;
            _monitors.MarkFenced(true); // again, in order: an unfence queued before this fence may have cleared it
            foreach (var group in _groups.Values)
            {
                group.Timer?.Dispose();
                if (group.ReportedState is not GroupState.Offline)
                {
                    // The monitors killed everything of it before this step: nothing of the group runs here.
                    OnGroupStateChanged?.Invoke(group.Controller.Definition.Name, group.ReportedState, GroupState.Offline, _clock.GetUtcNow());
                }
            }

            _groups.Clear();
            _groupOfResource.Clear();
        }).ConfigureAwait(false);
    }

    /// <summary>The lease is certainly alive again: groups may be hosted.</summary>
    public Task UnfenceAsync() => Ask(() =>
    {
        _fenced = false;
        _monitors.MarkFenced(false);
    });

    public Task<IReadOnlyList<GroupSnapshot>> ListGroupsAsync() => Ask(() => (IReadOnlyList<GroupSnapshot>)
        [.. _groups.Values.OrderBy(g => g.Controller.Definition.Name, StringComparer.Ordinal).Select(g => new GroupSnapshot(
            g.Controller.Definition.Name,
            g.Controller.State,
            [.. g.Controller.Definition.OnlineOrder.Select(r => new GroupResourceSnapshot(r, g.Controller.PersistedOnline(r), g.Controller.RestartCount(r)))]))]);

    public Task<GroupState> GroupStateAsync(string group) => Ask(() =>
        _groups.TryGetValue(group, out var g) ? g.Controller.State : throw new ClusterException(ClusterErrorKind.NotFound, $"Group {group} is not hosted on this node."));

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

    /// <summary>
    /// A hosted group whose definition, specs or persistent states changed. New resources are opened now;
    /// removed ones go offline and are closed; new timings (poll intervals, PendingTimeout, DeadlockTimeout)
    /// take effect at once; any other changed spec takes effect at the resource's next Online (as most WSFC
    /// properties do), by closing and re-opening it then.
    /// </summary>
    /// <returns>False when the group was dropped meanwhile (a fence): the next reconcile hosts it afresh.</returns>
    private async Task<bool> UpdateGroupAsync(DesiredGroup desired, IReadOnlyDictionary<string, ResourceSpec> opened)
    {
        var failed = await OpenAsync(desired.Definition.OnlineOrder.Where(n => !opened.ContainsKey(n)), desired.Specs).ConfigureAwait(false);
        var reopen = failed.ToDictionary(name => name, name => desired.Specs[name], StringComparer.Ordinal);

        var retimed = new Dictionary<string, ResourceSpec>(StringComparer.Ordinal);
        foreach (var (name, spec) in desired.Specs)
        {
            if (!opened.TryGetValue(name, out var old) || old.IsEquivalentTo(spec))
            {
                continue;
            }

            if (old.DiffersOnlyInTimingsFrom(spec))
            {
                // Timings change on the hosted resource at once, as WSFC's do; it is not opened again.
                try
                {
                    await _monitors.RetimeAsync(spec).ConfigureAwait(false);
                    retimed[name] = spec;
                }
                catch (ClusterException e)
                {
                    LogOpenFailed(_logger, name, e.Message);
                    reopen[name] = spec; // not reachable now: the new spec applies when it is opened again
                }
            }
            else
            {
                reopen[name] = spec;
            }
        }

        var removed = await Ask(() =>
        {
            if (!_groups.TryGetValue(desired.Definition.Name, out var group))
            {
                return null;
            }

            group.Lease = desired.Lease; // owned under this lease now (a rejoin's new lease, once the coordinator gave it again)

            var gone = group.Specs.Keys.Where(n => !desired.Specs.ContainsKey(n)).ToList();
            foreach (var name in gone)
            {
                group.Specs.Remove(name);
                group.PendingSpecs.Remove(name);
                _groupOfResource.Remove(name);
            }

            foreach (var (name, spec) in desired.Specs)
            {
                _groupOfResource[name] = desired.Definition.Name;
                if (!group.Specs.ContainsKey(name) && !reopen.ContainsKey(name))
                {
                    group.Specs[name] = spec;
                }
            }

            foreach (var (name, spec) in reopen)
            {
                group.PendingSpecs[name] = spec;
            }

            foreach (var (name, spec) in retimed)
            {
                group.Specs[name] = spec;
            }

            var now = _clock.GetUtcNow();
            var actions = group.Controller.Redefine(desired.Definition, desired.PersistedOnline, now).ToList();
            var changes = desired.PersistedOnline.Where(p => group.Controller.PersistedOnline(p.Key) != p.Value).ToDictionary();
            if (changes.Count > 0)
            {
                actions.AddRange(group.Controller.SetPersistentStates(changes, now));
            }

            Apply(group, actions);
            return gone;
        }).ConfigureAwait(false);
        if (removed is null)
        {
            return false;
        }

        foreach (var name in removed)
        {
            await TakeDownAsync(name).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Opens resources in order; answers those that did not open (tried again at their Online, which then reports the cause).</summary>
    private async Task<List<string>> OpenAsync(IEnumerable<string> names, IReadOnlyDictionary<string, ResourceSpec> specs)
    {
        var failed = new List<string>();
        foreach (var name in names)
        {
            try
            {
                await _monitors.OpenAsync(specs[name]).ConfigureAwait(false);
            }
            catch (ClusterException e)
            {
                LogOpenFailed(_logger, name, e.Message);
                failed.Add(name);
            }
        }

        return failed;
    }

    /// <summary>Offline, then Close: a resource this node stops hosting. Errors are logged; the resource is gone either way.</summary>
    private async Task TakeDownAsync(string resource)
    {
        try
        {
            if (_monitors.ListResources().Any(r => r.Name == resource && r.State is ResourceState.Online or ResourceState.OnlinePending))
            {
                await _monitors.OfflineAsync(resource).ConfigureAwait(false);
            }

            await _monitors.CloseAsync(resource).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ClusterException or TimeoutException)
        {
            LogCallLost(_logger, resource, e.Message);
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
                case BringOnline online when group.PendingSpecs.Remove(online.Resource, out var spec):
                    group.Specs[online.Resource] = spec;
                    var lease = group.Lease;
                    _ = CallAsync(online.Resource, () => ReopenThenOnlineAsync(spec, lease));
                    break;
                case BringOnline online:
                    _ = CallAsync(online.Resource, () => _monitors.OnlineAsync(online.Resource, group.Lease));
                    break;
                case TakeOffline offline:
                    _ = CallAsync(offline.Resource, () => _monitors.OfflineAsync(offline.Resource));
                    break;
                case RequestFailover failover:
                    LogFailover(_logger, group.Controller.Definition.Name, failover.Resource);
                    group.PendingFailover = failover;
                    break;
                case RcmNote note:
                    LogNote(_logger, group.Controller.Definition.Name, note.EventId ?? 0, note.Text);
                    OnNote?.Invoke(group.Controller.Definition.Name, note, _clock.GetUtcNow());
                    break;
            }
        }

        if (group.Controller.State is var state && state != group.ReportedState)
        {
            OnGroupStateChanged?.Invoke(group.Controller.Definition.Name, group.ReportedState, state, _clock.GetUtcNow());
            group.ReportedState = state;
        }

        // The coordinator hears of a failover only once every resource is down here: a group is online on one node at most.
        if (group.PendingFailover is { } pending && group.Controller.AllDown)
        {
            group.PendingFailover = null;
            _ = RequestFailoverWhenTerminatedAsync(group.Controller.Definition.Name, [.. group.Specs.Keys], pending);
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
        catch (ClusterException e) when (e.Kind is not (ClusterErrorKind.Aborted or ClusterErrorKind.Unavailable or ClusterErrorKind.Cancelled or ClusterErrorKind.DeadlineExceeded))
        {
            Post(() => Report(resource, ResourceState.Failed, e.Message));
        }
        catch (Exception e) when (e is ClusterException or TimeoutException)
        {
            // The RHS died or hung: the monitor reports that as a failure event of its own.
            LogCallLost(_logger, resource, e.Message);
        }
    }

    /// <summary>A failed resource's application may still be stopping: the coordinator hears of the failover once it has.</summary>
    private async Task RequestFailoverWhenTerminatedAsync(string group, string[] resources, RequestFailover failover)
    {
        await Task.WhenAll(resources.Select(_monitors.WhenTerminatedAsync)).ConfigureAwait(false);
        OnFailoverRequested?.Invoke(group, failover);
    }

    /// <summary>A resource whose spec changed: closed and opened again with the new one, then brought online.</summary>
    private async Task<ResourceState> ReopenThenOnlineAsync(ResourceSpec spec, long lease)
    {
        if (_monitors.ListResources().Any(r => r.Name == spec.Name))
        {
            await _monitors.CloseAsync(spec.Name).ConfigureAwait(false);
        }

        await _monitors.OpenAsync(spec).ConfigureAwait(false);
        return await _monitors.OnlineAsync(spec.Name, lease).ConfigureAwait(false);
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

            // Anything else is a defect: it ends the loop, and the node's supervisor ends the node (nothing lives on half-dead).
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

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Resource {Resource} did not open: {Error}")]
    private static partial void LogOpenFailed(ILogger logger, string resource, string error);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Group {Group} could not be hosted: {Error}")]
    private static partial void LogHostingFailed(ILogger logger, string group, string error);

    private sealed class HostedGroup(GroupController controller, IReadOnlyDictionary<string, ResourceSpec> specs)
    {
        public GroupController Controller { get; } = controller;

        /// <summary>The specs its resources are open with.</summary>
        public Dictionary<string, ResourceSpec> Specs { get; } = specs.ToDictionary(StringComparer.Ordinal);

        /// <summary>A failover the policy asked for, held until every resource of the group is down.</summary>
        public RequestFailover? PendingFailover { get; set; }

        /// <summary>Specs to open with at the resource's next Online (changed, or failed to open).</summary>
        public Dictionary<string, ResourceSpec> PendingSpecs { get; } = new(StringComparer.Ordinal);

        public ITimer? Timer { get; set; }

        /// <summary>The state last reported through <see cref="OnGroupStateChanged"/>.</summary>
        public GroupState ReportedState { get; set; } = GroupState.Offline;

        /// <summary>The node's lease it is hosted under: its resources start only while that lease is alive.</summary>
        public long Lease { get; set; }
    }
}
