using System.Reflection;
using Cluster.Protocol;
using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Transport;
using Cluster.Service.Admin;
using Cluster.Service.Catalog;
using Cluster.Protocol.Config.V1;
using Cluster.Service.ClusterLog;
using Cluster.Service.Coordinator;
using Cluster.Service.Membership;
using Cluster.Service.Database;
using Cluster.Service.Monitors;
using Cluster.Service.Rcm;
using Cluster.Service.Store;
using Cluster.Service.Trace;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Node;

/// <summary>One node of the cluster: `cluster node run`. Owns the monitors, the RCM, the admin API and the node's record.</summary>
internal sealed partial class NodeHost(NodeOptions options, ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Node");

    public static string Version { get; } =
        typeof(NodeHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    public async Task RunAsync(CancellationToken stopping)
    {
        var directory = options.Directory;
        var token = directory.EnsureToken();
        Directory.CreateDirectory(directory.NodesPath);
        using var nodeLock = AcquireNodeLock(directory, options.Name);

        var rhsLogger = loggerFactory.CreateLogger("RHS.Output");
        // Calls are recorded from the first RHS on, and kept past a crash.
        await using var trace = NodeTrace.Start(directory.TracesPath, options.Name, options.TraceCapacity, e => LogTraceFileFailed(_logger, e));
        NodeMembership? lease = null; // set once the node has joined; until then nothing may start
        var monitors = new MonitorManager(
            new MonitorOptions
            {
                DeadlockTimeout = options.DeadlockTimeout,
                HealthTimeout = options.HealthTimeout,
                MayAct = under => lease?.IsAliveUnder(under) == true,
                OnRhsOutput = (rhs, line) => LogRhsOutput(rhsLogger, rhs, line),
                RhsCallObserver = trace is null ? null : trace.ForRhs,
                RhsEnvironment = new Dictionary<string, string>
                {
                    [Resources.SimulatedClaim.ClaimsVariable] = Path.Combine(directory.Root, "claims"),
                    ["CLUSTER_EXE"] = SelfExecutable.CommandLine(),
                    [ClusterDirectory.EnvironmentVariable] = directory.Root,
                },
            },
            loggerFactory);
        var clusterEvents = new ClusterEventFeed(options.Name);
        using var clusterLog = new ClusterLogWriter(Path.Combine(directory.LogsPath, options.Name + ".log"), clusterEvents.Add);
        var store = new IsolatableStore(ClusterStores.Open(options.Store, directory));
        await using var storeLifetime = store.ConfigureAwait(false);
        var types = new ResourceTypeRegistry(store, monitors.LoadTypeAsync);
        var database = new ClusterDatabase(store, monitors.LoadTypeAsync);
        DatabaseFeed? feed = null;
        var rcm = new ResourceControlManager(monitors, TimeProvider.System, loggerFactory)
        {
            OnNote = (group, note, time) => clusterLog.Write(ClusterLogEntries.From(options.Name, group, note, time)),
            OnGroupStateChanged = (group, old, now, time) =>
            {
                clusterLog.Write(ClusterLogEntries.GroupState(options.Name, group, old, now, time));
                if (old == GroupState.Failed || now == GroupState.Failed)
                {
                    _ = feed?.ReportGroupStateAsync(group, now);
                }
            },
            OnFailoverRequested = (group, failover) => _ = feed?.RequestFailoverAsync(group, $"resource {failover.Resource}: {failover.Cause}"),
        };
        var events = ForwardEventsAsync(monitors, rcm, item => clusterLog.Write(ClusterLogEntries.From(options.Name, item)), loggerFactory.CreateLogger("Monitor"));
        await using (monitors.ConfigureAwait(false))
        {
            await using (rcm.ConfigureAwait(false))
            {
                await monitors.StartAsync(stopping).ConfigureAwait(false);
                await RegisterBuiltInTypesAsync(types, stopping).ConfigureAwait(false);

                using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                // Fence and unfence reach the RCM strictly in the order membership saw them, one after the other.
                var fencing = new SerialSteps(() => feed?.Wake(), e => LogFenceStepFailed(_logger, e));
                NodeIdentity? identity = null;
                var server = new GrpcHost(new GrpcHostOptions
                {
                    BearerToken = token,
                    LoggerFactory = loggerFactory,
                    Observer = trace?.ForAdminApi(),
                    Endpoints = { options.AdminEndpoint },
                    TranslateException = e => e is ClusterStoreException
                        ? new ClusterException(ClusterErrorKind.Unavailable, $"Node {options.Name} cannot reach the cluster store: {e.Message}", e)
                        : null,
                });
                server.AddService(ClusterAdmin.Descriptor, new ClusterAdminService(new NodeServices
                {
                    Identity = () => identity ?? throw new ClusterException(ClusterErrorKind.Unavailable, "The node is starting."),
                    Monitors = monitors,
                    Rcm = rcm,
                    Types = types,
                    Database = database,
                    Store = store,
                    Trace = trace?.Log,
                    Events = clusterEvents,
                    ClusterLog = (component, group, text) => clusterLog.Write(ClusterLogEntries.Note(options.Name, component, group, text, null, DateTimeOffset.UtcNow)),
                }));
                await using (server.ConfigureAwait(false))
                {
                    await server.StartAsync(stopping).ConfigureAwait(false);
                    var endpoint = server.Endpoints[0].ToString();
                    var started = DateTimeOffset.UtcNow;
                    identity = new NodeIdentity(options.Name, endpoint, Version, started);
                    var member = new Member { Name = options.Name, Pid = Environment.ProcessId, Endpoint = endpoint, StartedUnixMs = started.ToUnixTimeMilliseconds() };
                    var watch = new DatabaseWatch(store, loggerFactory.CreateLogger("Database"));
                    var coordinatorChanges = watch.Subscribe();
                    using var membership = new NodeMembership(store, member, options.Membership, loggerFactory.CreateLogger("NM"))
                    {
                        OnFenced = () =>
                        {
                            clusterLog.Write(ClusterLogEntries.Note(options.Name, "NM", null,
                                "the node cannot renew its lease: it stops its groups before the lease can lapse (fenced)", 1177, DateTimeOffset.UtcNow));
                            server.SetServing(string.Empty, serving: false); // the node, as health probes see it; its admin API still answers
                            fencing.Then(() =>
                            {
                                monitors.Fence(); // the kill first: it waits for nothing but the step before (an unfence)
                                return rcm.FenceAsync();
                            });
                        },
                        OnAlive = () =>
                        {
                            clusterLog.Write(ClusterLogEntries.Note(options.Name, "NM", null,
                                "the node renews its lease again: it may host groups (unfenced)", null, DateTimeOffset.UtcNow));
                            server.SetServing(string.Empty, serving: true);
                            fencing.Then(rcm.UnfenceAsync);
                            coordinatorChanges.Wake(); // it skips its passes while the node is not alive
                        },
                        OnRenewed = monitors.Pet,
                    };
                    lease = membership;
                    feed = new DatabaseFeed(
                        database, watch.Subscribe(), rcm, membership, options.Name, options.DeadlockTimeout, loggerFactory.CreateLogger("RCM.Feed"))
                    {
                        OnHandedOver = (group, to) => clusterLog.Write(ClusterLogEntries.Note(options.Name, "RCM", group,
                            $"group {group} is offline here and handed over to node {to} (planned move)", null, DateTimeOffset.UtcNow)),
                    };
                    var coordinator = new CoordinatorService(
                        database, coordinatorChanges, membership, options.Name, TimeProvider.System, clusterLog.Write, loggerFactory.CreateLogger("FM"));
                    directory.WriteNodeRecord(new NodeRecord(options.Name, Environment.ProcessId, endpoint, started));
                    using var leave = new CancellationTokenSource(); // membership outlives the other loops: the lease covers the groups' stop
                    var renewing = membership.RunAsync(leave.Token);
                    Task[] loops = [watch.RunAsync(stop.Token), feed.RunAsync(stop.Token), coordinator.RunAsync(stop.Token)];
                    var supervisor = new LoopSupervisor(_logger,
                        cause => clusterLog.Write(ClusterLogEntries.Note(options.Name, "Node", null, cause, null, DateTimeOffset.UtcNow)), stop.Token);
                    supervisor.Watch("membership", renewing);
                    supervisor.Watch("store watch", loops[0]);
                    supervisor.Watch("database feed", loops[1]);
                    supervisor.Watch("coordinator", loops[2]);
                    supervisor.Watch("RCM", rcm.Completion);
                    supervisor.Watch("monitor events", events);
                    if (trace is not null)
                    {
                        supervisor.Watch("trace file", trace.Writing);
                    }
                    InjectedFault.ListenIfAsked(feed.Wake);
                    LogNodeUp(_logger, options.Name, endpoint, directory.Root, options.Store);
                    try
                    {
                        await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Ctrl-C, SIGTERM or `cluster node stop`: stop cleanly.
                    }

                    LogNodeStopping(_logger, options.Name);
                    await Task.WhenAll(loops).ConfigureAwait(false);
                    await rcm.ReconcileAsync([]).ConfigureAwait(false); // every group offline, in reverse dependency order, before the lease goes
                    await leave.CancelAsync().ConfigureAwait(false);
                    await renewing.ConfigureAwait(false);
                    await membership.LeaveAsync().ConfigureAwait(false);
                    directory.DeleteNodeRecord(options.Name);
                }
            }
        }

        await events.ConfigureAwait(false); // ends when the monitors' event stream completes
    }

    /// <summary>Monitor events go to the cluster log, the RCM and the node's console log.</summary>
    private static async Task ForwardEventsAsync(MonitorManager monitors, ResourceControlManager rcm, Action<MonitorEvent> clusterLog, ILogger logger)
    {
        await foreach (var item in monitors.Events.ReadAllAsync().ConfigureAwait(false))
        {
            clusterLog(item);
            LogMonitorEvent(logger, item);
            rcm.OnMonitorEvent(item);
        }
    }

    /// <summary>An exclusive lock on nodes/NAME.lock: a second node of the same name fails instead of racing.</summary>
    private static FileStream AcquireNodeLock(ClusterDirectory directory, string name)
    {
        var path = Path.Combine(directory.NodesPath, name + ".lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new ClusterUserException($"Node {name} is already running in {directory.Root}.");
        }
    }

    /// <summary>The built-in types, registered once the store answers: a node may start before its store (etcd restarting, say) and waits for it.</summary>
    private async Task RegisterBuiltInTypesAsync(ResourceTypeRegistry types, CancellationToken stopping)
    {
        var pause = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                foreach (var name in BuiltInResourceTypes.Names)
                {
                    await types.EnsureAsync(name, BuiltInResourceTypes.DllPath, stopping).ConfigureAwait(false);
                }

                return;
            }
            catch (ClusterStoreException e)
            {
                LogWaitingForStore(_logger, options.Store, e.Message);
                await Task.Delay(pause, stopping).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Waiting for the cluster store {Store}: {Error}")]
    private static partial void LogWaitingForStore(ILogger logger, Store.StoreLocation store, string error);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Node {Name} is up; admin API on {Endpoint}; cluster directory {Directory}; cluster store {Store}")]
    private static partial void LogNodeUp(ILogger logger, string name, string endpoint, string directory, Store.StoreLocation store);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "The trace file cannot be written: calls are recorded in memory only from now on")]
    private static partial void LogTraceFileFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 5, Level = LogLevel.Critical, Message = "A fence or unfence step failed")]
    private static partial void LogFenceStepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Node {Name} is stopping")]
    private static partial void LogNodeStopping(ILogger logger, string name);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Rhs}: {Line}")]
    private static partial void LogRhsOutput(ILogger logger, string rhs, string line);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Event}")]
    private static partial void LogMonitorEvent(ILogger logger, MonitorEvent @event);
}
