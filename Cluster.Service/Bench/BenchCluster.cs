using System.Diagnostics;
using Cluster.Protocol.Admin.V1;
using Cluster.Protocol;
using Cluster.Service.Admin;
using Cluster.Service.Cli;

namespace Cluster.Service.Bench;

/// <summary>
/// Node processes n1..nN in a directory of their own, for benchmarks and fault campaigns; they exit
/// with this process (stdin), and are stopped on dispose. Faults are real signals and real admin calls.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan s_onlineLimit = TimeSpan.FromSeconds(60);
    private readonly ClusterDirectory _directory;
    private readonly Dictionary<string, Process> _nodes = new(StringComparer.Ordinal);
    private readonly string _token;

    private readonly IReadOnlyList<string> _nodeOptions;

    private BenchCluster(ClusterDirectory directory, IReadOnlyList<string> nodeOptions)
    {
        _directory = directory;
        _token = directory.EnsureToken();
        _nodeOptions = nodeOptions;
    }

    /// <param name="nodes">How many nodes: n1..nN.</param>
    /// <param name="cancellationToken">Gives up waiting for the nodes (they are stopped).</param>
    /// <param name="nodeOptions">Options of `cluster node run` for every node.</param>
    /// <param name="root">The cluster directory; null: a fresh one under the temporary directory.</param>
    /// <param name="oneByOne">Start each node once the one before is Up, instead of all at once.</param>
    public static async Task<BenchCluster> StartAsync(
        int nodes, CancellationToken cancellationToken, IReadOnlyList<string>? nodeOptions = null, string? root = null, bool oneByOne = false)
    {
        var cluster = new BenchCluster(
            new ClusterDirectory(root ?? Path.Combine(Path.GetTempPath(), $"cluster-bench-{Environment.ProcessId}-{Guid.NewGuid():N}")), nodeOptions ?? []);
        try
        {
            foreach (var name in Enumerable.Range(1, nodes).Select(i => $"n{i}"))
            {
                cluster._nodes[name] = NodeLauncher.Start(cluster._directory, name, cluster._nodeOptions);
                if (oneByOne)
                {
                    await cluster.WaitUpAsync(name, cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (var name in cluster._nodes.Keys)
            {
                await cluster.WaitUpAsync(name, cancellationToken).ConfigureAwait(false);
            }

            return cluster;
        }
        catch
        {
            cluster.KeepDirectory = root is not null;
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Completes when the node's current process exits (its exit notification).</summary>
    public Task ExitedAsync(string node) => _nodes[node].WaitForExitAsync();

    public string Root => _directory.Root;

    /// <summary>Leave the directory behind on dispose (a failed campaign's evidence).</summary>
    public bool KeepDirectory { get; set; }

    public IReadOnlyCollection<string> Nodes => _nodes.Keys;

    public bool IsRunning(string node) => !_nodes[node].HasExited;

    public int Pid(string node) => _nodes[node].Id;

    public AdminClient Client(string node) =>
        AdminClient.Connect(_directory.ReadNodeRecords().Single(r => r.Name == node), _token);

    public async Task ApplyGroupAsync(
        string group, string commandLine, uint? restartThreshold = null, string? preferredOwner = null, uint? failoverThreshold = null,
        CancellationToken cancellationToken = default)
    {
        var resource = new Protocol.Config.V1.Resource
        {
            Name = group + "-app", Group = group, Type = "GenericApplication", Properties = { ["CommandLine"] = commandLine },
        };
        if (restartThreshold is { } threshold)
        {
            resource.RestartThreshold = threshold;
        }

        var definition = new Protocol.Config.V1.Group { Name = group };
        if (preferredOwner is not null)
        {
            definition.PreferredOwners.Add(preferredOwner);
        }

        if (failoverThreshold is { } failovers)
        {
            definition.FailoverThreshold = failovers;
        }

        using var client = Client(_nodes.Keys.First());
        await client.Change(
            new ApplyRequest { Groups = { definition }, Resources = { resource }, GroupOnline = { [group] = true } },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An administrator's Online: clears the group's failover history, so the default threshold never stops the trials.</summary>
    public async Task ResetFailoversAsync(string group, CancellationToken cancellationToken)
    {
        using var client = Client(_nodes.Keys.First(n => !_nodes[n].HasExited));
        await client.SetPersistentState(new SetPersistentStateRequest { Group = group, Online = true }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Polls the live nodes until one hosts the group Online (not <paramref name="except"/>); answers that node.
    /// Each node is asked on its own loop: a frozen node's call hangs until its deadline and must not hold up the
    /// answer of the others (it made a chaos campaign's failovers look seconds slower than they were).
    /// </summary>
    public async Task<string> WaitOnlineAsync(string group, string? except, CancellationToken cancellationToken)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        watching.CancelAfter(s_onlineLimit);
        var clients = _nodes.Where(n => n.Key != except && !n.Value.HasExited).Select(n => Client(n.Key)).ToList();
        try
        {
            var watchers = clients.Select(c => WatchOnlineAsync(c, group, watching.Token)).ToList();
            while (watchers.Count > 0)
            {
                var done = await Task.WhenAny(watchers).ConfigureAwait(false);
                watchers.Remove(done);
                if (await done.ConfigureAwait(false) is { } node)
                {
                    return node;
                }
            }
        }
        finally
        {
            await watching.CancelAsync().ConfigureAwait(false);
            clients.ForEach(c => c.Dispose());
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new TimeoutException($"Group {group} did not come online{(except is null ? "" : $" on a node other than {except}")} within {s_onlineLimit.TotalSeconds:0} s.");
    }

    /// <summary>The node's name once it hosts the group Online; null when <paramref name="cancellationToken"/> ends the watch first.</summary>
    private static async Task<string?> WatchOnlineAsync(AdminClient client, string group, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var groups = await client.ListGroups(cancellationToken).ConfigureAwait(false);
                if (groups.Groups.Any(g => g.Name == group && g.Hosted && g.State == "Online"))
                {
                    return client.NodeName;
                }
            }
            catch (ClusterException)
            {
                // Starting, stopping or frozen: ask again.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(s_poll, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return null;
    }

    public void Kill(string node) => _nodes[node].Kill(entireProcessTree: false);

    /// <summary>How a node's process ended (128 + the signal that ended it), once its exit is known; null while it runs.</summary>
    public int? ExitCodeOf(string node) => _nodes[node].WaitForExit(TimeSpan.FromSeconds(5)) ? _nodes[node].ExitCode : null;

    /// <summary>Cuts a node off from the store (or gives it back), through its own admin API.</summary>
    public async Task IsolateAsync(string node, bool isolated, CancellationToken cancellationToken)
    {
        using var client = Client(node);
        await client.IsolateNode(new IsolateNodeRequest { Isolated = isolated }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The node that hosts the group Online, asking every live node; null when none does (or none answers in time).</summary>
    public async Task<string?> OwnerAsync(string group, CancellationToken cancellationToken)
    {
        foreach (var node in _nodes.Keys.Where(IsRunning))
        {
            try
            {
                using var client = Client(node);
                var groups = await client.ListGroups(cancellationToken).ConfigureAwait(false);
                if (groups.Groups.Any(g => g.Name == group && g.Hosted && g.State == "Online"))
                {
                    return node;
                }
            }
            catch (ClusterException)
            {
                // Frozen, starting or stopping: not the owner we can act on.
            }
        }

        return null;
    }

    /// <summary>The PID of the RHS that hosts a resource on a node; null when the node does not answer or has none.</summary>
    public async Task<int?> RhsOfAsync(string node, string resource, CancellationToken cancellationToken)
    {
        try
        {
            using var client = Client(node);
            return (await client.ListMonitors(cancellationToken).ConfigureAwait(false)).Monitors
                .Where(m => m.Resources.Contains(resource) && m.Pid > 0).Select(m => (int?)m.Pid).FirstOrDefault();
        }
        catch (ClusterException)
        {
            return null;
        }
    }

    /// <summary>The last lines each node printed (logs/N.out): for a failure's post-mortem.</summary>
    public IEnumerable<string> Tail(int lines) =>
        _nodes.Keys.SelectMany(node =>
        {
            var path = Path.Combine(_directory.LogsPath, node + ".out");
            return File.Exists(path) ? File.ReadLines(path).TakeLast(lines).Select(line => $"{node}: {line}") : [];
        });

    public async Task RestartAsync(string node, CancellationToken cancellationToken)
    {
        await _nodes[node].WaitForExitAsync(cancellationToken).ConfigureAwait(false); // the exit notification, never a PID poll
        _nodes[node].Dispose();
        _nodes[node] = NodeLauncher.Start(_directory, node, _nodeOptions);
        await WaitUpAsync(node, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await NodeLauncher.StopAttachedAsync(_nodes.Values).ConfigureAwait(false);
        if (!KeepDirectory)
        {
            Directory.Delete(_directory.Root, recursive: true);
        }
    }

    private async Task WaitUpAsync(string node, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_directory.ReadNodeRecords().FirstOrDefault(r => r.Name == node) is { } record && record.Pid == NodePid(node))
            {
                try
                {
                    using var client = AdminClient.Connect(record, _token);
                    var nodes = await client.ListNodes(AdminClient.DefaultTimeout, cancellationToken).ConfigureAwait(false);
                    if (nodes.Nodes.Any(n => n.Name == node && n.State == "Up"))
                    {
                        return;
                    }
                }
                catch (ClusterException)
                {
                    // Still starting.
                }
            }

            await Task.Delay(s_poll, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"Node {node} did not come up within 60 s.");
    }

    /// <summary>The node's own PID: the launcher's shell exec'd it, so it is the launched process's.</summary>
    private int NodePid(string node) => _nodes[node].Id;
}
