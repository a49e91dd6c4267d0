using System.Diagnostics;
using System.Globalization;
using Cluster.Protocol.Admin.V1;
using Group = Cluster.Protocol.Config.V1.Group;
using Resource = Cluster.Protocol.Config.V1.Resource;

namespace Cluster.Service.Bench;

/// <summary>
/// `cluster bench scale`: what N resources cost one node. FaultInjection resources in groups of ten, at the
/// given LooksAlive and IsAlive intervals, on a real node: time until all are Online, then CPU of the
/// node and of its RHS processes over a steady window (from /proc, as a share of one core), and their RSS.
/// Then, on two nodes, how long all of a killed node's groups take to be Online on the other; and how long
/// a cluster of many nodes on this machine takes to start and to stop.
/// </summary>
internal static class ScaleBenchmark
{
    private const int GroupSize = 10;

    public static async Task<int> RunAsync(
        IReadOnlyList<int> counts, TimeSpan looksAlive, TimeSpan isAlive, TimeSpan warmup, TimeSpan window, int failoverGroups, int nodes, TextWriter output,
        CancellationToken cancellationToken)
    {
        await MeasureResourcesAsync(counts, looksAlive, isAlive, warmup, window, output, cancellationToken).ConfigureAwait(false);
        if (failoverGroups > 0)
        {
            await MeasureFailoverAsync(failoverGroups, looksAlive, isAlive, output, cancellationToken).ConfigureAwait(false);
        }

        if (nodes > 0)
        {
            await MeasureManyNodesAsync(nodes, output, cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task MeasureResourcesAsync(
        IReadOnlyList<int> counts, TimeSpan looksAlive, TimeSpan isAlive, TimeSpan warmup, TimeSpan window, TextWriter output, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync(
            $"one node; FaultInjection resources in groups of {GroupSize}; LooksAlive {looksAlive.TotalMilliseconds} ms, IsAlive {isAlive.TotalMilliseconds} ms; " +
            $"CPU over a {window.TotalSeconds} s steady window from {warmup.TotalSeconds} s after all are Online (share of one core, /proc utime+stime)").ConfigureAwait(false);
        await output.WriteLineAsync($"{"resources",9} {"online in",10} {"node CPU",9} {"RHS CPU",8} {"total",7} {"node RSS",9} {"RHS RSS (each)",-24} {"PSS (all)",9} {"wake-ups/s: node",17} {"RHS",6}").ConfigureAwait(false);
        foreach (var count in counts)
        {
            await using var cluster = await BenchCluster.StartAsync(1, cancellationToken).ConfigureAwait(false);
            var node = cluster.Nodes.Single();
            var clock = Stopwatch.StartNew();
            if (count > 0)
            {
                using var client = cluster.Client(node);
                await client.Change(Request(count, looksAlive, isAlive), cancellationToken).ConfigureAwait(false);
                await WaitAllOnlineAsync(cluster, node, count, cancellationToken).ConfigureAwait(false);
            }

            var online = clock.Elapsed;
            // Past the start-up's own work: the runtime compiles hot methods again (tiered JIT) for a minute or more.
            await Task.Delay(warmup, cancellationToken).ConfigureAwait(false);
            var nodePid = cluster.Pid(node);
            var rhs = ProcFs.ChildrenOf(nodePid).ToList();
            var before = Cpu(nodePid, rhs);
            var wakeUps = WakeUps(nodePid, rhs);
            var steady = Stopwatch.StartNew();
            await Task.Delay(window, cancellationToken).ConfigureAwait(false);
            var after = Cpu(nodePid, rhs);
            var seconds = steady.Elapsed.TotalSeconds;
            var wakeUpsAfter = WakeUps(nodePid, rhs);
            var nodeWakeUps = ProcFs.WakeUpsBetween(wakeUps[0], wakeUpsAfter[0]);
            var rhsWakeUps = wakeUps.Skip(1).Zip(wakeUpsAfter.Skip(1), ProcFs.WakeUpsBetween).Sum();
            var nodeShare = (after.Node - before.Node).TotalSeconds / seconds;
            var rhsShare = (after.Rhs - before.Rhs).TotalSeconds / seconds;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{count,9} {(count == 0 ? "-" : $"{online.TotalSeconds:0.0} s"),10} {nodeShare,8:P1} {rhsShare,8:P1} {nodeShare + rhsShare,7:P1} {ProcFs.ResidentKib(nodePid) / 1024,5} MiB {string.Join(" + ", rhs.Where(ProcFs.IsRunning).Select(p => $"{ProcFs.ResidentKib(p) / 1024} MiB")),-24} {rhs.Where(ProcFs.IsRunning).Append(nodePid).Sum(ProcFs.ProportionalKib) / 1024,5} MiB {nodeWakeUps / seconds,17:0} {rhsWakeUps / seconds,6:0}"))
                .ConfigureAwait(false);
            if (EndedDuringWindow(rhs, Path.Combine(cluster.Root, "logs")) is { } note)
            {
                cluster.KeepDirectory = true; // what tells why
                await output.WriteLineAsync(note).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A note when one of the RHS processes measured has ended (null when all run): the row is void, for an
    /// ended process takes its CPU time out of the sum.
    /// </summary>
    internal static string? EndedDuringWindow(IReadOnlyList<int> rhs, string logs) =>
        rhs.Where(pid => !ProcFs.IsRunning(pid)).ToList() is [_, ..] ended
            ? string.Create(CultureInfo.InvariantCulture,
                $"{"",9} RHS process {string.Join(", ", ended)} ended during the window: the row above does not hold; the node's log is kept in {logs}")
            : null;

    /// <summary>Two nodes; every group on n1 (n2 its next preferred owner); kill -9 n1; until all are Online on n2, polled every 10 ms.</summary>
    private static async Task MeasureFailoverAsync(int groups, TimeSpan looksAlive, TimeSpan isAlive, TextWriter output, CancellationToken cancellationToken)
    {
        const int resourcesEach = 3;
        await using var cluster = await BenchCluster.StartAsync(2, cancellationToken).ConfigureAwait(false);
        var request = Request(groups * resourcesEach, looksAlive, isAlive, resourcesEach);
        foreach (var group in request.Groups)
        {
            group.PreferredOwners.Add(["n1", "n2"]);
        }

        using (var client = cluster.Client("n1"))
        {
            await client.Change(request, cancellationToken).ConfigureAwait(false);
        }

        var clock = Stopwatch.StartNew();
        await WaitGroupsOnlineAsync(cluster, "n1", groups, cancellationToken).ConfigureAwait(false);
        var online = clock.Elapsed;

        clock.Restart();
        cluster.Kill("n1");
        await WaitGroupsOnlineAsync(cluster, "n2", groups, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"failover: {groups} groups of {resourcesEach} Online on n1 in {online.TotalSeconds:0.0} s; kill -9 n1 -> all Online on n2 in {clock.Elapsed.TotalSeconds:0.00} s"))
            .ConfigureAwait(false);
    }

    /// <summary>
    /// N nodes, each started once the one before is Up: until the last is Up (all at once, 48 .NET processes
    /// starting on two cores starve the one-second leases); then every stdin closed: until every node
    /// process has exited, its RHS processes before it.
    /// </summary>
    private static async Task MeasureManyNodesAsync(int nodes, TextWriter output, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var cluster = await BenchCluster.StartAsync(nodes, cancellationToken, oneByOne: true).ConfigureAwait(false);
        var up = clock.Elapsed;
        var pids = cluster.Nodes.Select(cluster.Pid).ToList();
        var rss = pids.Concat(pids.SelectMany(ProcFs.ChildrenOf)).Sum(ProcFs.ResidentKib) / 1024;
        clock.Restart();
        await cluster.DisposeAsync().ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{nodes} nodes on this machine: all Up in {up.TotalSeconds:0.0} s, one after another ({rss} MiB RSS, nodes and RHS processes); all stopped in {clock.Elapsed.TotalSeconds:0.0} s"))
            .ConfigureAwait(false);
    }

    private static async Task WaitGroupsOnlineAsync(BenchCluster cluster, string node, int count, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = cluster.Client(node);
                if ((await client.ListGroups(cancellationToken).ConfigureAwait(false)).Groups.Count(g => g.Hosted && g.State == "Online") >= count)
                {
                    return;
                }
            }
            catch (Protocol.ClusterException)
            {
                // A node busy taking over may miss a call's deadline: ask again.
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"{count} groups were not all Online on {node} within 5 minutes.");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Each process's wake-ups by thread: the node's first, then each RHS's.</summary>
    private static List<IReadOnlyDictionary<int, long>> WakeUps(int node, IReadOnlyList<int> rhs) => [.. rhs.Prepend(node).Select(ProcFs.WakeUps)];

    private static (TimeSpan Node, TimeSpan Rhs) Cpu(int node, IReadOnlyList<int> rhs) =>
        (ProcFs.CpuTime(node) ?? TimeSpan.Zero, rhs.Aggregate(TimeSpan.Zero, (sum, pid) => sum + (ProcFs.CpuTime(pid) ?? TimeSpan.Zero)));

    private static ApplyRequest Request(int count, TimeSpan looksAlive, TimeSpan isAlive, int groupSize = GroupSize)
    {
        var request = new ApplyRequest();
        for (var g = 0; g * groupSize < count; g++)
        {
            var group = $"scale-{g:D4}";
            request.Groups.Add(new Group { Name = group });
            request.GroupOnline[group] = true;
            for (var r = g * groupSize; r < Math.Min(count, (g + 1) * groupSize); r++)
            {
                request.Resources.Add(new Resource
                {
                    Name = $"{group}-r{r % groupSize}",
                    Group = group,
                    Type = "FaultInjection",
                    LooksAlivePollIntervalMs = (uint)looksAlive.TotalMilliseconds,
                    IsAlivePollIntervalMs = (uint)isAlive.TotalMilliseconds,
                });
            }
        }

        return request;
    }

    private static async Task WaitAllOnlineAsync(BenchCluster cluster, string node, int count, CancellationToken cancellationToken)
    {
        using var client = cluster.Client(node);
        var deadline = Stopwatch.StartNew();
        while ((await client.ListResources(cancellationToken).ConfigureAwait(false)).Resources.Count(r => r.State == Protocol.Types.V1.ResourceState.Online) < count)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"{count} resources were not all Online within 10 minutes.");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }
}
