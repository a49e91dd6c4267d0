using System.Globalization;
using System.Threading.Channels;
using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol.Types.V1;
using Cluster.Protocol;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Monitors;

/// <summary>
/// The client side of the Resource Monitor: spawns and replaces RHS processes, places resources in
/// the shared monitor or dedicated ones, bounds every entry-point call by DeadlockTimeout (its own
/// calls by their deadlines, the LooksAlive/IsAlive checks each RHS runs by the calls in flight its
/// ping lists), watches PendingTimeout, and reports every state change as a <see cref="MonitorEvent"/>.
/// It never decides to bring a resource back: that is the RCM's job.
/// </summary>
internal sealed partial class MonitorManager : IAsyncDisposable
{
    public const string RhsTerminatedCause = "RHS process terminated";
    public const int SharedMonitorId = 0;

    private readonly MonitorOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, ResourceMonitor> _monitors = [];
    private readonly Dictionary<string, HostedResourceState> _resources = new(StringComparer.Ordinal);
    private readonly Channel<MonitorEvent> _events = Channel.CreateUnbounded<MonitorEvent>();
    private readonly CancellationTokenSource _disposing = new();
    private readonly HashSet<string> _hungBefore = new(StringComparer.Ordinal); // deadlocked on this node: dedicated from then on
    private readonly RhsPool _pool;
    private int _nextMonitorId = SharedMonitorId + 1;
    private bool _fenced; // under _lock
    private (long Lease, long Until)? _lastPet; // under _lock; Until on _clock

    public MonitorManager(MonitorOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _clock = options.TimeProvider;
        _logger = loggerFactory.CreateLogger("RHS");
        _pool = new RhsPool(options);
    }

    /// <summary>Every event, in order: for the RCM and the cluster log.</summary>
    public ChannelReader<MonitorEvent> Events => _events.Reader;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var shared = new ResourceMonitor(SharedMonitorId, dedicated: false);
        lock (_lock)
        {
            _monitors.Add(shared.Id, shared);
        }

        shared.Serve(await LaunchAsync(shared, cancellationToken).ConfigureAwait(false));
        ReplenishStandby();
    }

    /// <summary>The warm standby's PID once it has started; null while there is none.</summary>
    public int? StandbyPid => _pool.StandbyPid;

    /// <summary>Completes when the warm standby RHS (if enabled) has started: for benchmarks that want the steady state.</summary>
    public Task WaitForStandbyAsync() => _pool.WaitForStandbyAsync();

    /// <summary>Loads a resource type in the shared RHS: its DLL loads, the type exists, here is what it declares.</summary>
    public async Task<ResourceTypeInfo> LoadTypeAsync(ResourceTypeRef type)
    {
        var rhs = await Shared.Ready.ConfigureAwait(false);
        var response = await rhs.Client.LoadType(new LoadTypeRequest { Type = type }, _options.TypeLoadTimeout).ConfigureAwait(false);
        return response.Info;
    }

    /// <summary>
    /// Opens a resource: in its own RHS when SeparateMonitor is set (or it deadlocked on this node
    /// before), else in the shared one. It starts Offline.
    /// </summary>
    /// <exception cref="ClusterException">The name is taken, the type does not load, a property is bad, or Open deadlocked (Aborted).</exception>
    public async Task OpenAsync(ResourceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        bool dedicated;
        lock (_lock)
        {
            ThrowIfFenced(spec.Name);
            if (_resources.ContainsKey(spec.Name))
            {
                throw new ClusterException(ClusterErrorKind.AlreadyExists, $"Resource {spec.Name} is already hosted on this node.");
            }

            dedicated = spec.SeparateMonitor || _hungBefore.Contains(spec.Name);
        }

        var monitor = dedicated ? await CreateDedicatedAsync().ConfigureAwait(false) : Shared;
        var resource = new HostedResourceState(spec, monitor);
        var rhs = await monitor.Ready.ConfigureAwait(false);
        try
        {
            await OpenInAsync(resource, monitor, rhs).ConfigureAwait(false);
        }
        catch
        {
            if (monitor.Dedicated)
            {
                await RetireAsync(monitor).ConfigureAwait(false);
            }

            throw;
        }

        lock (_lock)
        {
            _resources.Add(spec.Name, resource);
            monitor.Resources.Add(spec.Name);
            resource.Opened(rhs);
        }
    }

    /// <summary>Calls Online, if <paramref name="lease"/> (0: the current one) is certainly alive; answers the state the resource reached (Online, OnlinePending or Failed).</summary>
    public async Task<ResourceState> OnlineAsync(string name, long lease = 0)
    {
        var resource = Find(name);
        await resource.Terminating.ConfigureAwait(false);
        lock (_lock)
        {
            ThrowIfFenced(name);
        }

        if (!_options.MayAct(lease))
        {
            throw new ClusterException(ClusterErrorKind.Unavailable, lease == 0
                ? $"Resource {name} cannot start: the node's lease is not certainly alive."
                : $"Resource {name} cannot start: the node's lease {lease}, under which it was given the group, is not certainly alive.");
        }

        SetState(resource, ResourceState.OnlinePending, "online requested");
        var response = await CallAsync(resource, "Online", async (rhs, deadline) =>
        {
            var answer = await rhs.Client.Online(new OnlineRequest { Resource = name, Lease = lease }, deadline).ConfigureAwait(false);
            await rhs.EventsHandledAsync(answer.EventsThrough, EventPatience).ConfigureAwait(false);
            return answer;
        }).ConfigureAwait(false);
        return ApplyTransition(resource, response.State, response.Message, ResourceState.Online, ResourceState.OnlinePending);
    }

    /// <summary>Calls Offline; answers Offline, OfflinePending or Failed.</summary>
    public async Task<ResourceState> OfflineAsync(string name)
    {
        var resource = Find(name);
        SetState(resource, ResourceState.OfflinePending, "offline requested");
        var response = await CallAsync(resource, "Offline", async (rhs, deadline) =>
        {
            var answer = await rhs.Client.Offline(new OfflineRequest { Resource = name }, deadline).ConfigureAwait(false);
            await rhs.EventsHandledAsync(answer.EventsThrough, EventPatience).ConfigureAwait(false);
            return answer;
        }).ConfigureAwait(false);
        return ApplyTransition(resource, response.State, response.Message, ResourceState.Offline, ResourceState.OfflinePending);
    }

    /// <summary>
    /// New timings for a hosted resource, at once, without opening it again: DeadlockTimeout from its next
    /// call on, and in its RHS PendingTimeout from its next pending transition on and its poll intervals,
    /// whose schedule (if it is Online) starts again from now with them.
    /// </summary>
    /// <exception cref="ArgumentException">The spec differs in more than its timings.</exception>
    public async Task RetimeAsync(ResourceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var resource = Find(spec.Name);
        SetPollIntervalsRequest request;
        lock (_lock)
        {
            if (!resource.Spec.DiffersOnlyInTimingsFrom(spec) && !resource.Spec.IsEquivalentTo(spec))
            {
                throw new ArgumentException($"Resource {spec.Name}'s new spec differs in more than its timings: it must be opened again.", nameof(spec));
            }

            resource.Spec = spec;
            resource.LooksAliveInterval = spec.LooksAlivePollInterval ?? resource.TypeIntervals.LooksAlive;
            resource.IsAliveInterval = spec.IsAlivePollInterval ?? resource.TypeIntervals.IsAlive;
            request = new SetPollIntervalsRequest
            {
                Resource = spec.Name,
                LooksAlivePollIntervalMs = Milliseconds(resource.LooksAliveInterval),
                IsAlivePollIntervalMs = Milliseconds(resource.IsAliveInterval),
                PendingTimeoutMs = Milliseconds(spec.PendingTimeout),
            };
        }

        await CallAsync(resource, "SetPollIntervals", (rhs, deadline) => rhs.Client.SetPollIntervals(request, deadline)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, string>> ControlAsync(string name, string code, IReadOnlyDictionary<string, string> arguments)
    {
        var resource = Find(name);
        var request = new ResourceControlRequest { Resource = name, Code = code };
        request.Arguments.Add(arguments.ToDictionary());
        var response = await CallAsync(resource, "ResourceControl", (rhs, deadline) => rhs.Client.ResourceControl(request, deadline))
            .ConfigureAwait(false);
        return response.Output;
    }

    /// <summary>Terminates and closes a resource, and forgets it (a dedicated monitor goes with it), even when the calls fail.</summary>
    /// <exception cref="ClusterException">Terminate or Close failed (the resource is forgotten all the same).</exception>
    public async Task CloseAsync(string name)
    {
        var resource = Find(name);
        try
        {
            await CallAsync(resource, "Terminate", (rhs, d) => rhs.Client.Terminate(new TerminateRequest { Resource = name }, d)).ConfigureAwait(false);
            await CallAsync(resource, "Close", (rhs, d) => rhs.Client.Close(new CloseRequest { Resource = name }, d)).ConfigureAwait(false);
        }
        finally
        {
            ResourceMonitor monitor;
            lock (_lock)
            {
                if (_resources.TryGetValue(name, out var current) && ReferenceEquals(current, resource))
                {
                    _resources.Remove(name);
                }

                monitor = resource.Monitor;
                monitor.Resources.Remove(name);
                resource.Unreachable(NotHosted(name));
            }

            PublishGone(resource, "closed: no longer hosted on this node");

            if (monitor.Dedicated)
            {
                await RetireAsync(monitor).ConfigureAwait(false);
            }
        }
    }

    public IReadOnlyList<MonitorSnapshot> ListMonitors()
    {
        lock (_lock)
        {
            return _monitors.Values.OrderBy(m => m.Id).Select(m => new MonitorSnapshot(
                m.Id, m.Current?.Pid, m.Dedicated, [.. m.Resources.Order(StringComparer.Ordinal)], m.StartedAt, m.Restarts)).ToList();
        }
    }

    public IReadOnlyList<ResourceSnapshot> ListResources()
    {
        lock (_lock)
        {
            return _resources.Values.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => new ResourceSnapshot(
                r.Name, r.Spec.Type.Name, r.State, r.Monitor.Id,
                r.ReadOnlyProperties.TryGetValue("ProcessId", out var pid) && int.TryParse(pid, CultureInfo.InvariantCulture, out var p) ? p : null)).ToList();
        }
    }

    /// <summary>SIGKILL to a monitor's RHS process (only the RHS: what it started must die with it).</summary>
    /// <exception cref="ClusterException">No such monitor, or it has no process right now.</exception>
    public int KillMonitor(int id)
    {
        RhsProcess? rhs;
        lock (_lock)
        {
            rhs = _monitors.TryGetValue(id, out var monitor)
                ? monitor.Current ?? throw new ClusterException(ClusterErrorKind.FailedPrecondition, $"Monitor {id} has no RHS process right now (it is restarting).")
                : throw new ClusterException(ClusterErrorKind.NotFound, $"There is no monitor {id} on this node.");
        }

        using var process = System.Diagnostics.Process.GetProcessById(rhs.Pid);
        process.Kill(entireProcessTree: false);
        return rhs.Pid;
    }

    public int MonitorOf(string resource) => Find(resource).Monitor.Id;

    private void ThrowIfFenced(string resource)
    {
        if (_fenced)
        {
            throw new ClusterException(ClusterErrorKind.Unavailable, $"Resource {resource} cannot start: the node is fenced (its lease may have lapsed).");
        }
    }

    /// <summary>
    /// Self-fencing: every resource is forgotten and every RHS hosting resources is killed at once
    /// (SIGKILL, with everything it started); no entry point is called, since the node may not wait for
    /// a DLL that hangs. The shared monitor starts again, empty; dedicated ones are gone. Whether new
    /// work is refused meanwhile is <see cref="MarkFenced"/>'s, set in order by the RCM.
    /// </summary>
    public void Fence()
    {
        var doomed = new List<(RhsProcess Rhs, bool Dedicated)>();
        List<HostedResourceState> gone;
        lock (_lock)
        {
            _fenced = true; // at once, so that nothing opens between the kill and the RCM's fence step (the unfence step clears it, in order)
            gone = [.. _resources.Values];
            foreach (var resource in _resources.Values)
            {
                resource.Unreachable(new ClusterException(ClusterErrorKind.Unavailable, $"Resource {resource.Name} is no longer hosted: the node fenced itself."));
            }

            _resources.Clear();
            foreach (var monitor in _monitors.Values.ToList())
            {
                monitor.Resources.Clear();
                if (monitor.Current is { } rhs)
                {
                    doomed.Add((rhs, monitor.Dedicated));
                }

                if (monitor.Dedicated)
                {
                    monitor.Retired = true;
                    _monitors.Remove(monitor.Id);
                }
            }
        }

        foreach (var resource in gone)
        {
            PublishGone(resource, "the node fenced itself: no longer hosted on this node");
        }

        foreach (var (rhs, dedicated) in doomed)
        {
            rhs.Kill();
            if (dedicated)
            {
                _ = rhs.DisposeAsync().AsTask(); // no recovery follows a retired monitor
            }
        }
    }

    /// <summary>Whether resources may be opened and brought online: the fence's state, set in order by the RCM.</summary>
    public void MarkFenced(bool fenced)
    {
        lock (_lock)
        {
            _fenced = fenced;
        }
    }

    /// <summary>
    /// The watchdog pet: the node's lease <paramref name="lease"/> is certainly alive for
    /// <paramref name="validFor"/> more. Every RHS that runs hears it; one that does not hear the next in
    /// time fences itself (its applications die with it), and it starts nothing under another lease.
    /// </summary>
    public void Pet(TimeSpan validFor, long lease)
    {
        List<RhsProcess> serving;
        lock (_lock)
        {
            _lastPet = (lease, _clock.GetTimestamp() + (long)(validFor.TotalSeconds * _clock.TimestampFrequency));
            serving = [.. _monitors.Values.Select(m => m.Current).OfType<RhsProcess>()];
        }

        foreach (var rhs in serving)
        {
            rhs.Pet(validFor, lease);
        }
    }

    /// <summary>
    /// A new RHS hears the last pet at once, if it is still valid: it can start nothing bound to a lease
    /// before its first pet. This one pet is a call, awaited, so that it has arrived before the RHS serves
    /// (the line that later pets travel on is not ordered with calls).
    /// </summary>
    private async Task PetNewAsync(RhsProcess rhs)
    {
        (long Lease, long Until)? last;
        lock (_lock)
        {
            last = _lastPet;
        }

        if (last is { } pet && _clock.GetTimestamp() < pet.Until)
        {
            try
            {
                await rhs.Client.Pet(_clock.GetElapsedTime(_clock.GetTimestamp(), pet.Until), pet.Lease).ConfigureAwait(false);
            }
            catch (ClusterException)
            {
                // A pet that does not arrive is what the RHS's watchdog is for; a dying RHS is the exit notification's.
            }
        }
    }

    /// <summary>Completes once the Terminate that followed the resource's last failure is done (at once when there is none).</summary>
    public Task WhenTerminatedAsync(string name)
    {
        lock (_lock)
        {
            return _resources.TryGetValue(name, out var resource) ? resource.Terminating : Task.CompletedTask;
        }
    }

    /// <summary>WSFC's Test-ClusterResourceFailure: the resource fails as if its IsAlive had, and policies apply.</summary>
    /// <exception cref="ClusterException">It is not hosted here, or not Online (only a running resource can fail).</exception>
    public void SimulateFailure(string name)
    {
        var resource = Find(name);
        if (resource.State != ResourceState.Online)
        {
            throw new ClusterException(ClusterErrorKind.FailedPrecondition, $"Resource {name} is {resource.State}; only an Online resource can fail.");
        }

        Fail(resource, "an administrator simulated a failure (Test-ClusterResourceFailure)", terminate: true);
    }

    /// <summary>The node's DeadlockTimeout, for resources that set none.</summary>
    public TimeSpan DefaultDeadlockTimeout => _options.DeadlockTimeout;

    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        List<ResourceMonitor> monitors;
        lock (_lock)
        {
            monitors = [.. _monitors.Values];
        }

        await Task.WhenAll(monitors.Select(RetireAsync)).ConfigureAwait(false);
        await _pool.DisposeAsync().ConfigureAwait(false);
        _events.Writer.TryComplete();
        _disposing.Dispose();
    }

    private ResourceMonitor Shared
    {
        get
        {
            lock (_lock)
            {
                return _monitors[SharedMonitorId];
            }
        }
    }

    private HostedResourceState Find(string name)
    {
        lock (_lock)
        {
            return _resources.TryGetValue(name, out var resource)
                ? resource
                : throw NotHosted(name);
        }
    }

    private static ClusterException NotHosted(string name) => new(ClusterErrorKind.NotFound, $"Resource {name} is not hosted on this node.");
}
