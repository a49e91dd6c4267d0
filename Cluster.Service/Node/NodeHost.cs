using System.Reflection;
using Cluster.Contracts.Admin.V1;
using Cluster.Grpc.Server;
using Cluster.Service.Admin;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Node;

/// <summary>One node of the cluster: `cluster node run`. Owns the admin API and the node's record.</summary>
internal sealed partial class NodeHost(NodeOptions options, ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Node");

    public async Task RunAsync(CancellationToken stopping)
    {
        var directory = options.Directory;
        var token = directory.EnsureToken();
        Directory.CreateDirectory(directory.NodesPath);
        using var nodeLock = AcquireNodeLock(directory, options.Name);

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
            new ClusterAdminService(() => identity ?? throw new Grpc.RpcException(Grpc.StatusCode.Unavailable, "The node is starting.")));
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
                LogNodeStopping(_logger, options.Name);
            }
            finally
            {
                directory.DeleteNodeRecord(options.Name);
            }
        }
    }

    public static string Version { get; } =
        typeof(NodeHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

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
}
