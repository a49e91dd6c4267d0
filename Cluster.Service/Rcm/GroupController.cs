using Cluster.Protocol.Types.V1;

namespace Cluster.Service.Rcm;

/// <summary>
/// The resource control manager's policy for one group this node owns, as a pure state machine (the
/// etcd-io/raft way): each input (a reported state, an administrator's request, the passing of time)
/// returns the actions to take; nothing here does I/O or reads a clock.
/// </summary>
/// <remarks>
/// It brings the group to its persistent state: online in dependency order (independent branches
/// together), offline in reverse. It never asks for Online of a resource whose dependencies are not all
/// Online. On a failure it applies WSFC's restart policy; a resource whose dependency fails goes down
/// with it and comes back after it, without that counting as a failure of its own.
/// </remarks>
internal sealed class GroupController
{
    private readonly Dictionary<string, ResourceRuntime> _resources;
    private bool _evicted;

    /// <param name="definition">The validated group.</param>
    /// <param name="persistedOnline">The administrator's persistent state per resource (missing: Online).</param>
    public GroupController(GroupDefinition definition, IReadOnlyDictionary<string, bool>? persistedOnline = null)
    {
        Definition = definition;
        _resources = definition.Resources.Keys.ToDictionary(
            name => name,
            name => new ResourceRuntime { WantOnline = persistedOnline?.GetValueOrDefault(name, true) ?? true },
            StringComparer.Ordinal);
    }

    public GroupDefinition Definition { get; private set; }

    /// <summary>When <see cref="OnTimer"/> should next be called (a delayed restart or a retry); null: never.</summary>
    public DateTimeOffset? NextDeadline =>
        _resources.Values.SelectMany(r => new[] { r.RestartAt, r.RetryAt }).Where(t => t is not null).Min();

    public GroupState State
    {
        get
        {
            if (_evicted || _resources.Values.Any(r => r.GaveUp && r.WantOnline))
            {
                return GroupState.Failed;
            }

            var states = _resources.Values.Select(r => r.Reported).ToList();
            if (states.Any(s => s is ResourceState.OnlinePending or ResourceState.OfflinePending))
            {
                return GroupState.Pending;
            }

            var wanted = _resources.Values.Where(r => r.WantOnline).ToList();
            if (wanted.Count > 0 && wanted.All(r => r.Reported == ResourceState.Online))
            {
                return GroupState.Online;
            }

            return states.Any(s => s == ResourceState.Online) ? GroupState.PartialOnline : GroupState.Offline;
        }
    }

    /// <summary>Whether every resource reports Offline or Failed (nothing runs, nothing is pending).</summary>
    public bool AllDown => _resources.Values.All(r => r.Reported is ResourceState.Offline or ResourceState.Failed);

    public ResourceState ReportedState(string resource) => Get(resource).Reported;

    public bool PersistedOnline(string resource) => Get(resource).WantOnline;

    /// <summary>Restarts counted against the threshold (those within RestartPeriod of the last one).</summary>
    public int RestartCount(string resource) => Get(resource).Restarts.Count;

    /// <summary>Starts the policy: bring the group to its persistent state.</summary>
    public IReadOnlyList<RcmAction> Start(DateTimeOffset now) => Reconcile([], now);

    /// <summary>
    /// An administrator's Online or Offline, for one resource or (null) the whole group; Online takes
    /// what the resource depends on along, Offline what depends on it.
    /// </summary>
    public IReadOnlyList<RcmAction> SetPersistentState(string? resource, bool online, DateTimeOffset now) =>
        SetPersistentStates(Definition.PersistentStateScope(resource, online).ToDictionary(r => r, _ => online), now);

    /// <summary>
    /// Persistent states an administrator set (through the cluster database), resource by resource. The
    /// policy leaves the result alone; Online also clears past failures.
    /// </summary>
    public IReadOnlyList<RcmAction> SetPersistentStates(IReadOnlyDictionary<string, bool> changes, DateTimeOffset now)
    {
        var actions = new List<RcmAction>();
        foreach (var (name, online) in changes)
        {
            var runtime = Get(name);
            runtime.WantOnline = online;
            if (online)
            {
                runtime.ClearFailures();
                _evicted = false;
            }

            actions.Add(new RcmNote(name, $"administrator set {name} {(online ? "Online" : "Offline")}"));
        }

        return Reconcile(actions, now);
    }

    /// <summary>
    /// The group's definition changed (resources added or removed, dependencies, restart policies):
    /// resources that remain keep their state and history; new ones start Offline with the given
    /// persistent state. Removed resources are the driver's to take down and close.
    /// </summary>
    public IReadOnlyList<RcmAction> Redefine(GroupDefinition definition, IReadOnlyDictionary<string, bool> persistedOnline, DateTimeOffset now)
    {
        var kept = _resources.ToDictionary(StringComparer.Ordinal);
        _resources.Clear();
        foreach (var name in definition.Resources.Keys)
        {
            _resources[name] = kept.TryGetValue(name, out var runtime)
                ? runtime
                : new ResourceRuntime { WantOnline = persistedOnline.GetValueOrDefault(name, true) };
        }

        Definition = definition;
        return Reconcile([], now);
    }

    /// <summary>A state the monitor reported for a resource.</summary>
    public IReadOnlyList<RcmAction> OnReported(string resource, ResourceState state, string cause, DateTimeOffset now)
    {
        var runtime = Get(resource);
        var actions = new List<RcmAction>();
        var was = runtime.Reported;
        runtime.Reported = state;
        if (state == ResourceState.Failed && was != ResourceState.Failed && runtime.WantOnline && !_evicted)
        {
            HandleFailure(resource, runtime, cause, now, actions);
        }

        return Reconcile(actions, now);
    }

    /// <summary>Time passed: due restarts and retries happen.</summary>
    public IReadOnlyList<RcmAction> OnTimer(DateTimeOffset now)
    {
        var actions = new List<RcmAction>();
        foreach (var (name, runtime) in _resources)
        {
            if (runtime.RestartAt <= now)
            {
                runtime.RestartAt = null;
            }

            if (runtime.RetryAt <= now)
            {
                runtime.RetryAt = null;
                runtime.ClearFailures();
                _evicted = false;
                actions.Add(new RcmNote(name, "RetryPeriodOnFailure passed: trying again"));
            }
        }

        return Reconcile(actions, now);
    }

    private void HandleFailure(string name, ResourceRuntime runtime, string cause, DateTimeOffset now, List<RcmAction> actions)
    {
        actions.Add(new RcmNote(name, $"resource {name} failed: {cause}", 1069));
        var policy = Definition.Resources[name].Restart;
        if (policy.Action == RestartAction.DoNotRestart)
        {
            runtime.GaveUp = true;
            actions.Add(new RcmNote(name, "RestartAction 0: the resource stays Failed"));
            return;
        }

        while (runtime.Restarts.Count > 0 && runtime.Restarts.Peek() <= now - policy.Period)
        {
            runtime.Restarts.Dequeue();
        }

        if (runtime.Restarts.Count < policy.Threshold)
        {
            runtime.Restarts.Enqueue(now);
            runtime.RestartAt = policy.Delay > TimeSpan.Zero ? now + policy.Delay : null;
            actions.Add(new RcmNote(name,
                $"restart {runtime.Restarts.Count} of {policy.Threshold} within {policy.Period.TotalMilliseconds} ms, after {policy.Delay.TotalMilliseconds} ms")
            {
                RestartCount = runtime.Restarts.Count,
            });
            return;
        }

        runtime.GaveUp = true;
        runtime.RetryAt = policy.RetryPeriodOnFailure is { } retry ? now + retry : null;
        var retryText = runtime.RetryAt is null ? "no retry (RetryPeriodOnFailure -1)" : $"retry in {policy.RetryPeriodOnFailure!.Value.TotalMilliseconds} ms";
        if (policy.Action == RestartAction.RestartThenFailover)
        {
            _evicted = true;
            actions.Add(new RcmNote(name, $"restart threshold {policy.Threshold} exceeded: group {Definition.Name} fails over; {retryText}", 1205));
            actions.Add(new RequestFailover(name, cause));
        }
        else
        {
            actions.Add(new RcmNote(name, $"restart threshold {policy.Threshold} exceeded: left Failed, no failover (RestartAction 1); {retryText}"));
        }
    }

    /// <summary>
    /// Compares what each resource should be with what it reports, and asks for the next steps: first
    /// down what must go down (dependants before their dependencies), then up what may come up
    /// (dependencies before their dependants).
    /// </summary>
    private List<RcmAction> Reconcile(List<RcmAction> actions, DateTimeOffset now)
    {
        // Must stop: not wanted, or something below it (transitively) is down or must stop.
        var mustStop = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in Definition.OnlineOrder)
        {
            if (!ShouldRun(_resources[name]) || Definition.Resources[name].DependsOn.Any(d => mustStop.Contains(d) || !IsUp(_resources[d])))
            {
                mustStop.Add(name);
            }
        }

        foreach (var name in Definition.OnlineOrder.Reverse())
        {
            var runtime = _resources[name];
            var dependantsDown = Definition.Dependants[name].All(d => _resources[d].Reported is ResourceState.Offline or ResourceState.Failed);
            if (IsUp(runtime) && mustStop.Contains(name) && dependantsDown)
            {
                actions.Add(new RcmNote(name, ShouldRun(runtime)
                    ? $"calls Offline on {name}: a resource it depends on is down or going down"
                    : $"calls Offline on {name}: its persistent state is Offline"));
                runtime.Reported = ResourceState.OfflinePending;
                actions.Add(new TakeOffline(name));
            }
        }

        foreach (var name in Definition.OnlineOrder)
        {
            var runtime = _resources[name];
            var down = runtime.Reported is ResourceState.Offline or ResourceState.Failed;
            var dependenciesOnline = Definition.Resources[name].DependsOn.All(d => _resources[d].Reported == ResourceState.Online);
            if (down && ShouldRun(runtime) && runtime.RestartAt is null && dependenciesOnline)
            {
                var dependsOn = Definition.Resources[name].DependsOn;
                actions.Add(new RcmNote(name,
                    $"calls Online on {name}: persisted Online, reported {runtime.Reported}"
                    + (dependsOn.Count == 0 ? ", no dependencies" : $", its dependencies Online ({string.Join(", ", dependsOn)})")));
                runtime.Reported = ResourceState.OnlinePending;
                actions.Add(new BringOnline(name));
            }
        }

        return actions;
    }

    private static bool IsUp(ResourceRuntime runtime) => runtime.Reported is ResourceState.Online or ResourceState.OnlinePending;

    private bool ShouldRun(ResourceRuntime runtime) => runtime.WantOnline && !runtime.GaveUp && !_evicted;

    private ResourceRuntime Get(string resource) =>
        _resources.TryGetValue(resource, out var runtime)
            ? runtime
            : throw new GroupDefinitionException($"Group {Definition.Name} has no resource {resource}.");

    private sealed class ResourceRuntime
    {
        public ResourceState Reported { get; set; } = ResourceState.Offline;

        public bool WantOnline { get; set; } = true;

        public Queue<DateTimeOffset> Restarts { get; } = new();

        public DateTimeOffset? RestartAt { get; set; }

        public DateTimeOffset? RetryAt { get; set; }

        public bool GaveUp { get; set; }

        public void ClearFailures()
        {
            Restarts.Clear();
            RestartAt = null;
            RetryAt = null;
            GaveUp = false;
        }
    }
}
