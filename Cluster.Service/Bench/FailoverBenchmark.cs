using System.Diagnostics;
using Cluster.Contracts.Admin.V1;
using Cluster.Service.Admin;
using Cluster.Service.Cli;

namespace Cluster.Service.Bench;

/// <summary>
/// `cluster bench failover`: a local cluster of real node processes with default settings. Times, from
/// the kill(2) call or the simulated failure, until the group is Online on another node, as that node's
/// admin API reports it (polled every 5 ms); and a three-node cluster's start until every node is Up.
/// </summary>
internal static class FailoverBenchmark
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(5);

    public static async Task<int> RunAsync(int trials, int nodes, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine($"{trials} trials each; {nodes} real node processes, default lease (1 s TTL), a group with one application (sleep)");
        output.WriteLine($"{"measurement",-62} {"median ms",10} {"max ms",10}");
        var startups = new List<TimeSpan>();
        for (var i = 0; i < Math.Min(trials, 5); i++)
        {
            var clock = Stopwatch.StartNew();
            await using var cluster = await BenchCluster.StartAsync(nodes, cancellationToken).ConfigureAwait(false);
            startups.Add(clock.Elapsed);
        }

        Report(output, $"cluster of {nodes} nodes started until every node is Up ({startups.Count} trials)", startups);

        await using (var cluster = await BenchCluster.StartAsync(nodes, cancellationToken).ConfigureAwait(false))
        {
            await cluster.ApplyGroupAsync("bench", restartThreshold: null, cancellationToken).ConfigureAwait(false);
            var kills = new List<TimeSpan>();
            for (var i = 0; i < trials; i++)
            {
                var owner = await cluster.WaitOnlineAsync("bench", except: null, cancellationToken).ConfigureAwait(false);
                var killedAt = Stopwatch.GetTimestamp();
                cluster.Kill(owner);
                await cluster.WaitOnlineAsync("bench", except: owner, cancellationToken).ConfigureAwait(false);
                kills.Add(Stopwatch.GetElapsedTime(killedAt));
                await cluster.RestartAsync(owner, cancellationToken).ConfigureAwait(false);
                await cluster.ResetFailoversAsync("bench", cancellationToken).ConfigureAwait(false); // default FailoverThreshold: nodes - 1 per 6 h
            }

            Report(output, "kill -9 of the owner node -> group Online on another node", kills);
        }

        await using (var cluster = await BenchCluster.StartAsync(nodes, cancellationToken).ConfigureAwait(false))
        {
            await cluster.ApplyGroupAsync("flaky", restartThreshold: 0, cancellationToken).ConfigureAwait(false);
            var failures = new List<TimeSpan>();
            for (var i = 0; i < trials; i++)
            {
                var owner = await cluster.WaitOnlineAsync("flaky", except: null, cancellationToken).ConfigureAwait(false);
                using var client = cluster.Client(owner);
                var failedAt = Stopwatch.GetTimestamp();
                await client.FailResource(new FailResourceRequest { Resource = "flaky-app" }, cancellationToken).ConfigureAwait(false);
                await cluster.WaitOnlineAsync("flaky", except: owner, cancellationToken).ConfigureAwait(false);
                failures.Add(Stopwatch.GetElapsedTime(failedAt));
                await cluster.ResetFailoversAsync("flaky", cancellationToken).ConfigureAwait(false);
            }

            Report(output, "resource failure, RestartThreshold 0 -> group Online on another node", failures);
        }

        return 0;
    }

    private static void Report(TextWriter output, string what, List<TimeSpan> samples)
    {
        var summary = new LatencySummary(samples);
        output.WriteLine($"{what,-62} {summary.MedianMicroseconds / 1000,10:0.0} {summary.MaxMicroseconds / 1000,10:0.0}");
    }

    /// <summary>Node processes n1..nN in a directory of their own; they exit with this process (stdin), and are stopped on dispose.</summary>
    private sealed class BenchCluster : IAsyncDisposable
    {
        private readonly ClusterDirectory _directory;
        private readonly Dictionary<string, Process> _nodes = new(StringComparer.Ordinal);
        private readonly string _token;

        private BenchCluster(ClusterDirectory directory)
        {
            _directory = directory;
            _token = directory.EnsureToken();
        }

        public static async Task<BenchCluster> StartAsync(int nodes, CancellationToken cancellationToken)
        {
            var cluster = new BenchCluster(new ClusterDirectory(Path.Combine(Path.GetTempPath(), $"cluster-bench-{Environment.ProcessId}-{Guid.NewGuid():N}")));
            foreach (var name in Enumerable.Range(1, nodes).Select(i => $"n{i}"))
            {
                cluster._nodes[name] = NodeLauncher.Start(cluster._directory, name, detached: false);
            }

            foreach (var name in cluster._nodes.Keys)
            {
                await cluster.WaitUpAsync(name, cancellationToken).ConfigureAwait(false);
            }

            return cluster;
        }

        public AdminClient Client(string node) =>
            AdminClient.Connect(_directory.ReadNodeRecords().Single(r => r.Name == node), _token);

        public async Task ApplyGroupAsync(string group, uint? restartThreshold, CancellationToken cancellationToken)
        {
            var resource = new Contracts.Config.V1.Resource
            {
                Name = group + "-app", Group = group, Type = "GenericApplication", Properties = { ["CommandLine"] = "sleep 3600" },
            };
            if (restartThreshold is { } threshold)
            {
                resource.RestartThreshold = threshold;
            }

            using var client = Client(_nodes.Keys.First());
            await client.Call<ApplyRequest, ChangeResponse>(
                new ApplyRequest { Groups = { new Contracts.Config.V1.Group { Name = group } }, Resources = { resource }, GroupOnline = { [group] = true } },
                cancellationToken).ConfigureAwait(false);
        }

        /// <summary>An administrator's Online: clears the group's failover history, so the default threshold never stops the trials.</summary>
        public async Task ResetFailoversAsync(string group, CancellationToken cancellationToken)
        {
            using var client = Client(_nodes.Keys.First(n => !_nodes[n].HasExited));
            await client.SetPersistentState(new SetPersistentStateRequest { Group = group, Online = true }, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Polls the live nodes until one hosts the group Online (not <paramref name="except"/>); answers that node.</summary>
        public async Task<string> WaitOnlineAsync(string group, string? except, CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.StartNew();
            var clients = _nodes.Where(n => n.Key != except && !n.Value.HasExited).Select(n => Client(n.Key)).ToList();
            try
            {
                while (deadline.Elapsed < TimeSpan.FromSeconds(60))
                {
                    foreach (var client in clients)
                    {
                        try
                        {
                            var groups = await client.ListGroups(cancellationToken).ConfigureAwait(false);
                            if (groups.Groups.Any(g => g.Name == group && g.Hosted && g.State == "Online"))
                            {
                                return client.NodeName;
                            }
                        }
                        catch (Grpc.RpcException)
                        {
                            // Starting or stopping: ask again.
                        }
                    }

                    await Task.Delay(s_poll, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                foreach (var client in clients)
                {
                    client.Dispose();
                }
            }

            throw new TimeoutException($"Group {group} did not come online{(except is null ? "" : $" on a node other than {except}")} within 60 s.");
        }

        public void Kill(string node) => _nodes[node].Kill(entireProcessTree: false);

        public async Task RestartAsync(string node, CancellationToken cancellationToken)
        {
            await _nodes[node].WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            _nodes[node].Dispose();
            _nodes[node] = NodeLauncher.Start(_directory, node, detached: false);
            await WaitUpAsync(node, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var node in _nodes.Values)
            {
                if (!node.HasExited)
                {
                    node.StandardInput.Close();
                }
            }

            foreach (var node in _nodes.Values)
            {
                await node.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                node.Dispose();
            }

            Directory.Delete(_directory.Root, recursive: true);
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
                        var nodes = await client.Call<ListNodesRequest, ListNodesResponse>(new(), cancellationToken).ConfigureAwait(false);
                        if (nodes.Nodes.Any(n => n.Name == node && n.State == "Up"))
                        {
                            return;
                        }
                    }
                    catch (Grpc.RpcException)
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
}
