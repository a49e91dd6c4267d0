using System.Diagnostics;
using Cluster.Protocol;
using Cluster.Protocol.Admin.V1;
using Cluster.Service.Lab;
using Cluster.Service.Store;
using Cluster.Service.Store.Etcd;

namespace Cluster.Service.Bench;

/// <summary>
/// `cluster bench failover`: a local cluster of real node processes with default settings, on each store
/// asked for. Times, from the kill(2) call, the cut or the simulated failure, until the group is Online on
/// another node, as that node's admin API reports it (polled every 5 ms); a cluster's start until every
/// node is Up; and on etcd (three members), from the kill of etcd's leader until a node accepts a change.
/// </summary>
internal static class FailoverBenchmark
{
    public const string Sqlite = "sqlite";
    public const string Etcd = "etcd";

    /// <summary>Runs every measurement on each store; a lease TTL given goes to every node (`node run --lease-ttl-ms`).</summary>
    public static async Task<int> RunAsync(
        int trials, int nodes, IReadOnlyList<string> stores, uint? leaseTtlMs, TextWriter output, CancellationToken cancellationToken)
    {
        var lease = leaseTtlMs is { } ttl ? $"a lease of {ttl} ms asked (etcd grants whole seconds, at least 2)" : "default lease (1 s asked; etcd grants 2 s)";
        output.WriteLine($"{trials} trials each; {nodes} real node processes, {lease}, a group with one application (sleep)");
        string[] nodeOptions = leaseTtlMs is { } asked ? ["--lease-ttl-ms", asked.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
        output.WriteLine($"{"store",-7} {"measurement",-78} {"median ms",10} {"max ms",10}");
        foreach (var store in stores)
        {
            var root = Path.Combine(Path.GetTempPath(), $"cluster-bench-etcd-{Environment.ProcessId}-{Guid.NewGuid():N}");
            var etcd = store == Etcd ? await EtcdCluster.StartAsync(root, 3, attached: true, cancellationToken).ConfigureAwait(false) : null;
            try
            {
                await RunOnAsync(new Bench(store, etcd, trials, nodes, nodeOptions, output), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (etcd is not null)
                {
                    await etcd.DisposeAsync().ConfigureAwait(false);
                    Directory.Delete(root, recursive: true);
                }
            }
        }

        return 0;
    }

    private static async Task RunOnAsync(Bench bench, CancellationToken cancellationToken)
    {
        var startups = new List<TimeSpan>();
        for (var i = 0; i < Math.Min(bench.Trials, 5); i++)
        {
            var clock = Stopwatch.StartNew();
            await using var cluster = await bench.StartClusterAsync(cancellationToken).ConfigureAwait(false);
            startups.Add(clock.Elapsed);
        }

        bench.Report($"cluster of {bench.Nodes} nodes started until every node is Up ({startups.Count} trials)", startups);

        await using (var cluster = await bench.StartClusterAsync(cancellationToken).ConfigureAwait(false))
        {
            await cluster.ApplyGroupAsync("bench", "sleep 3600", restartThreshold: null, cancellationToken: cancellationToken).ConfigureAwait(false);
            var kills = new List<TimeSpan>();
            var cuts = new List<TimeSpan>();
            for (var i = 0; i < bench.Trials; i++)
            {
                var owner = await cluster.WaitOnlineAsync("bench", except: null, cancellationToken).ConfigureAwait(false);
                var killedAt = Stopwatch.GetTimestamp();
                cluster.Kill(owner);
                await cluster.WaitOnlineAsync("bench", except: owner, cancellationToken).ConfigureAwait(false);
                kills.Add(Stopwatch.GetElapsedTime(killedAt));
                await cluster.RestartAsync(owner, cancellationToken).ConfigureAwait(false);
                await cluster.ResetFailoversAsync("bench", cancellationToken).ConfigureAwait(false); // default FailoverThreshold: nodes - 1 per 6 h

                // A partition of the owner from the store: `node isolate`, a cut inside the node's process.
                owner = await cluster.WaitOnlineAsync("bench", except: null, cancellationToken).ConfigureAwait(false);
                var cutAt = Stopwatch.GetTimestamp();
                await cluster.IsolateAsync(owner, isolated: true, cancellationToken).ConfigureAwait(false);
                await cluster.WaitOnlineAsync("bench", except: owner, cancellationToken).ConfigureAwait(false);
                cuts.Add(Stopwatch.GetElapsedTime(cutAt));
                await cluster.IsolateAsync(owner, isolated: false, cancellationToken).ConfigureAwait(false);
                await cluster.ResetFailoversAsync("bench", cancellationToken).ConfigureAwait(false);
            }

            bench.Report("kill -9 of the owner node -> group Online on another node", kills);
            bench.Report("owner cut off from the store (node isolate) -> Online on another", cuts);
        }

        await using (var cluster = await bench.StartClusterAsync(cancellationToken).ConfigureAwait(false))
        {
            await cluster.ApplyGroupAsync("flaky", "sleep 3600", restartThreshold: 0, cancellationToken: cancellationToken).ConfigureAwait(false);
            var failures = new List<TimeSpan>();
            for (var i = 0; i < bench.Trials; i++)
            {
                var owner = await cluster.WaitOnlineAsync("flaky", except: null, cancellationToken).ConfigureAwait(false);
                using var client = cluster.Client(owner);
                var failedAt = Stopwatch.GetTimestamp();
                await client.FailResource(new FailResourceRequest { Resource = "flaky-app" }, cancellationToken).ConfigureAwait(false);
                await cluster.WaitOnlineAsync("flaky", except: owner, cancellationToken).ConfigureAwait(false);
                failures.Add(Stopwatch.GetElapsedTime(failedAt));
                await cluster.ResetFailoversAsync("flaky", cancellationToken).ConfigureAwait(false);
            }

            bench.Report("resource failure, RestartThreshold 0 -> group Online on another node", failures);
        }

        if (bench.EtcdCluster is { } etcd)
        {
            await LeaderKillsAsync(bench, etcd, cancellationToken).ConfigureAwait(false);
            await LabPartitionsAsync(bench, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Real partitions (root only): the nodes and etcd on simulated hosts, the owner's host unplugged; timed from the
    /// cut until the application runs on another host, seen in /proc, and sampled for a moment with two.
    /// </summary>
    private static async Task LabPartitionsAsync(Bench bench, CancellationToken cancellationToken)
    {
        if (Environment.UserName != "root")
        {
            bench.Output.WriteLine($"{bench.Store,-7} owner's host unplugged (lab): skipped, the lab needs root");
            return;
        }

        var directory = new ClusterDirectory(Path.Combine(Path.GetTempPath(), $"cluster-bench-lab-{Environment.ProcessId}-{Guid.NewGuid():N}"));
        string[] application = ["sleep", "3607"];
        try
        {
            await using var lab = await LabCluster.StartAsync(directory, bench.Nodes, 1, cancellationToken, bench.NodeOptions).ConfigureAwait(false);
            await LabCliAsync(lab, "n1", cancellationToken, "group", "create", "bench");
            await LabCliAsync(lab, "n1", cancellationToken, "resource", "create", "bench-app", "--group", "bench", "--type", "GenericApplication",
                "--prop", "CommandLine=" + string.Join(' ', application));
            await LabCliAsync(lab, "n1", cancellationToken, "group", "online", "bench", "--wait", "30");
            var hosts = lab.Nodes.ToDictionary(n => NetworkNamespaceOf(lab.NodePid(n)), n => n);
            var cuts = new List<TimeSpan>();
            await using var sampler = new DoubleRunSampler(new() { ["bench"] = application });
            for (var i = 0; i < bench.Trials; i++)
            {
                var running = await SingleProcessAsync(application, _ => true, cancellationToken).ConfigureAwait(false);
                var owner = hosts[NetworkNamespaceOf(running)];
                var cutAt = Stopwatch.GetTimestamp();
                await lab.Network.CutAsync(owner, cancellationToken).ConfigureAwait(false);
                var moved = await SingleProcessAsync(application, pid => pid != running, cancellationToken).ConfigureAwait(false);
                cuts.Add(Stopwatch.GetElapsedTime(cutAt));
                await lab.Network.HealAsync(owner, cancellationToken).ConfigureAwait(false);
                await lab.WaitUpAsync(owner, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
                await LabCliAsync(lab, hosts[NetworkNamespaceOf(moved)], cancellationToken, "group", "online", "bench", "--wait", "0"); // clears the failover history
            }

            await sampler.DisposeAsync().ConfigureAwait(false);
            bench.Report($"owner's host unplugged (lab) -> application running on another ({sampler.Violations.Count} moments with two)", cuts);
        }
        finally
        {
            if (Directory.Exists(directory.Root))
            {
                Directory.Delete(directory.Root, recursive: true);
            }
        }
    }

    private static async Task LabCliAsync(LabCluster lab, string host, CancellationToken cancellationToken, params string[] arguments)
    {
        var (exitCode, _, error) = await lab.CliAsync(host, [.. arguments, "--node", host], cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"cluster {string.Join(' ', arguments)} on {host}: {error.Trim()}");
        }
    }

    /// <summary>Until exactly one process has the command line, and <paramref name="accept"/> takes it; polled every 2 ms from /proc.</summary>
    private static async Task<int> SingleProcessAsync(string[] commandLine, Func<int, bool> accept, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (ProcFs.WithCommandLine(commandLine) is [var pid] && accept(pid))
            {
                return pid;
            }

            await Task.Delay(2, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"`{string.Join(' ', commandLine)}` did not run as one new process within 60 s.");
    }

    private static string NetworkNamespaceOf(int pid) => new FileInfo($"/proc/{pid}/ns/net").LinkTarget ?? "";

    /// <summary>Kills etcd's leader; times until a node accepts a change again, and counts the trials in which the group was stopped (fenced).</summary>
    private static async Task LeaderKillsAsync(Bench bench, EtcdCluster etcd, CancellationToken cancellationToken)
    {
        await using var cluster = await bench.StartClusterAsync(cancellationToken).ConfigureAwait(false);
        await cluster.ApplyGroupAsync("bench", "sleep 3600", restartThreshold: null, cancellationToken: cancellationToken).ConfigureAwait(false);
        var writes = new List<TimeSpan>();
        var restarts = 0;
        try
        {
            for (var i = 0; i < bench.Trials; i++)
            {
                await cluster.WaitOnlineAsync("bench", except: null, cancellationToken).ConfigureAwait(false);
                var application = await SingleProcessAsync(["sleep", "3600"], _ => true, cancellationToken).ConfigureAwait(false);
                var leader = await etcd.LeaderAsync(cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException("etcd has no leader.");
                var killedAt = Stopwatch.GetTimestamp();
                await leader.KillAsync(cancellationToken).ConfigureAwait(false);
                await AcceptedChangeAsync(cluster, cancellationToken).ConfigureAwait(false);
                writes.Add(Stopwatch.GetElapsedTime(killedAt));
                await etcd.RestartAsync(leader, cancellationToken).ConfigureAwait(false);
                await cluster.WaitOnlineAsync("bench", except: null, cancellationToken).ConfigureAwait(false);
                if (!ProcFs.IsRunning(application))
                {
                    restarts++; // its node fenced: the application was stopped, and started again
                }

                await AcceptedChangeAsync(cluster, cancellationToken).ConfigureAwait(false); // an administrator's Online: clears the failover history
            }
        }
        catch
        {
            cluster.KeepDirectory = true;
            bench.Output.WriteLine($"{bench.Store,-7} etcd's leader kills failed: the cluster directory is kept, {cluster.Root}");
            throw;
        }

        bench.Report($"kill -9 of etcd's leader -> a change accepted again (group restarted in {restarts} of {bench.Trials})", writes);
    }

    /// <summary>Until a node takes a change to the store (an administrator's Online for the group), trying each live node in turn.</summary>
    private static async Task AcceptedChangeAsync(BenchCluster cluster, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            foreach (var node in cluster.Nodes.Where(cluster.IsRunning))
            {
                try
                {
                    using var client = cluster.Client(node);
                    await client.SetPersistentState(new SetPersistentStateRequest { Group = "bench", Online = true }, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (ClusterException)
                {
                    // No quorum yet, or the node fenced: try again.
                }
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException("No node accepted a change within 60 s of etcd's leader kill.");
    }

    /// <summary>One store's run: how to start a cluster on it, and its lines of the table.</summary>
    private sealed record Bench(string Store, EtcdCluster? EtcdCluster, int Trials, int Nodes, IReadOnlyList<string> NodeOptions, TextWriter Output)
    {
        /// <summary>A fresh cluster; on etcd, after emptying the key space the last one left.</summary>
        public async Task<BenchCluster> StartClusterAsync(CancellationToken cancellationToken)
        {
            if (EtcdCluster is null)
            {
                return await BenchCluster.StartAsync(Nodes, cancellationToken, NodeOptions).ConfigureAwait(false);
            }

            await using (var keys = EtcdClusterStore.Connect(EtcdCluster.Location.EtcdEndpoints))
            {
                await keys.TransactAsync(new Transaction { Success = [StoreOperation.DeletePrefix("")] }, cancellationToken).ConfigureAwait(false);
            }

            return await BenchCluster.StartAsync(Nodes, cancellationToken, ["--store", EtcdCluster.Location.ToString(), .. NodeOptions]).ConfigureAwait(false);
        }

        public void Report(string what, List<TimeSpan> samples)
        {
            var summary = new LatencySummary(samples);
            Output.WriteLine($"{Store,-7} {what,-78} {summary.MedianMicroseconds / 1000,10:0.0} {summary.MaxMicroseconds / 1000,10:0.0}");
        }
    }
}
