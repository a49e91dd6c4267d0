using System.Reflection;
using Cluster.Contracts.Admin.V1;
using Cluster.Grpc.Server;
using Cluster.Service.Admin;
using Cluster.Service.Catalog;
using Cluster.Service.ClusterLog;
using Cluster.Service.Database;
using Cluster.Service.Monitors;
using Cluster.Service.Rcm;
using Cluster.Service.Store;
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
        var monitors = new MonitorManager(
            new MonitorOptions
            {
                DeadlockTimeout = options.DeadlockTimeout,
                OnRhsOutput = (rhs, line) => LogRhsOutput(rhsLogger, rhs, line),
                RhsEnvironment = new Dictionary<string, string>
                {
                    [Resources.SimulatedClaim.ClaimsVariable] = Path.Combine(directory.Root, "claims"),
                    ["CLUSTER_EXE"] = SelfExecutable.CommandLine(),
                    [ClusterDirectory.EnvironmentVariable] = directory.Root,
                },
            },
            loggerFactory);
        using var clusterLog = new ClusterLogWriter(Path.Combine(directory.LogsPath, options.Name + ".log"));
        var store = SqliteClusterStore.Open(directory.StorePath);
        await using var storeLifetime = store.ConfigureAwait(false);
        var types = new ResourceTypeRegistry(store, monitors.LoadTypeAsync);
        var database = new ClusterDatabase(store, monitors.LoadTypeAsync);
        var rcm = new ResourceControlManager(monitors, TimeProvider.System, loggerFactory)
        {
            OnNote = (group, note, time) => clusterLog.Write(ClusterLogEntries.From(options.Name, group, note, time)),
        };
        var events = ForwardEventsAsync(monitors, rcm, item => clusterLog.Write(ClusterLogEntries.From(options.Name, item)), loggerFactory.CreateLogger("Monitor"));
        await using (monitors.ConfigureAwait(false))
        {
            await using (rcm.ConfigureAwait(false))
            {
                await monitors.StartAsync(stopping).ConfigureAwait(false);
                foreach (var name in BuiltInResourceTypes.Names)
                {
                    await types.EnsureAsync(name, BuiltInResourceTypes.DllPath, stopping).ConfigureAwait(false);
                }

                var feed = new DatabaseFeed(database, rcm, options.Name, options.DeadlockTimeout, loggerFactory.CreateLogger("RCM.Feed"));
                var feeding = feed.RunAsync(stopping);
                await ServeAdminAsync(directory, token, monitors, rcm, types, database, stopping).ConfigureAwait(false);
                await feeding.ConfigureAwait(false);
                LogNodeStopping(_logger, options.Name);
            }
        }

        await events.ConfigureAwait(false); // ends when the monitors' event stream completes
    }

    private async Task ServeAdminAsync(
        ClusterDirectory directory, string token, MonitorManager monitors, ResourceControlManager rcm, ResourceTypeRegistry types,
        ClusterDatabase database, CancellationToken stopping)
    {
        var server = new GrpcServer(new GrpcServerOptions
        {
            BearerToken = token,
            EnableDetailedErrors = true,
            LoggerFactory = loggerFactory,
            Endpoints = { options.AdminEndpoint },
        });
        var started = DateTimeOffset.UtcNow;
        NodeIdentity? identity = null;
        server.AddService(
            AdminReflection.Descriptor.Services[0],
            new ClusterAdminService(
                () => identity ?? throw new Grpc.RpcException(Grpc.StatusCode.Unavailable, "The node is starting."),
                monitors,
                rcm,
                types,
                database));
        await using (server.ConfigureAwait(false))
        {
            await server.StartAsync(stopping).ConfigureAwait(false);
            var endpoint = server.Endpoints[0].ToString();
            identity = new NodeIdentity(options.Name, endpoint, Version, started);
            directory.WriteNodeRecord(new NodeRecord(options.Name, Environment.ProcessId, endpoint, started));
            LogNodeUp(_logger, options.Name, endpoint, directory.Root);
            try
            {
                await Task.Delay(Timeout.Infinite, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or SIGTERM: stop cleanly.
            }
            finally
            {
                directory.DeleteNodeRecord(options.Name);
            }
        }
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

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Node {Name} is up; admin API on {Endpoint}; cluster directory {Directory}")]
    private static partial void LogNodeUp(ILogger logger, string name, string endpoint, string directory);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Node {Name} is stopping")]
    private static partial void LogNodeStopping(ILogger logger, string name);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Rhs}: {Line}")]
    private static partial void LogRhsOutput(ILogger logger, string rhs, string line);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Event}")]
    private static partial void LogMonitorEvent(ILogger logger, MonitorEvent @event);
}
