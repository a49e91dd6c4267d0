using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Cluster.Protocol;
using Cluster.Service.Coordinator;
using Cluster.Service.Database;
using Cluster.Service.Store;

namespace Cluster.Service.Bench;

/// <summary>
/// `cluster bench chaos`: random faults against real node processes while a sampler watches the real
/// application processes, Jepsen-style: the invariant (no group's application on two nodes at once) is
/// checked over the whole history, from /proc, not from the cluster's own view. Faults: node kill,
/// isolation, freezes shorter and longer than the lease (then thawed, or killed while frozen), RHS
/// freezes around the health timeout, RHS kills and resource failures; one group's application forks a
/// child that would outlive it. In the end every group must be Online where the policy says, and once
/// the cluster is stopped no application process may be left. The seed replays a run's choices (the
/// timing of real processes is not replayed).
/// </summary>
internal static class ChaosCampaign
{
    private const string AlphaMarker = "8201";
    private const string BetaMarker = "8202";
    private const string ChildMarker = "8203";
    private static readonly string[] s_groups = ["alpha", "beta"];
    private static readonly TimeSpan s_failoverLimit = TimeSpan.FromSeconds(30);

    public static async Task<ChaosReport> RunAsync(int faults, int seed, TextWriter log, CancellationToken cancellationToken, bool keepDirectory = false)
    {
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var steps = new List<ChaosStep>(); // what struck when, to explain a slow failover
        var lost = new List<string>(); // nodes that ended while frozen: nothing but a kill of ours may end one
        var failovers = new List<ChaosFailover>();
        var timeouts = new List<ChaosFailover>();
        var measuring = new List<Task>();
        var returned = new ConcurrentDictionary<string, long>(StringComparer.Ordinal); // node: when it was last started or rejoined
        var cluster = await BenchCluster.StartAsync(3, cancellationToken).ConfigureAwait(false);
        var sampler = new DoubleRunSampler(new()
        {
            ["alpha"] = ["sleep", AlphaMarker],
            ["beta"] = ["sleep", BetaMarker],
            ["beta's forked child"] = ["sleep", ChildMarker],
        });
        ChaosReport? report = null;
        try
        {
            await cluster.ApplyGroupAsync("alpha", $"sleep {AlphaMarker}", preferredOwner: "n1", failoverThreshold: 1000, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            await cluster.ApplyGroupAsync("beta", $"sh -c 'sleep {ChildMarker} & exec sleep {BetaMarker}'", preferredOwner: "n2", failoverThreshold: 1000,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var group in s_groups)
            {
                await cluster.WaitOnlineAsync(group, except: null, cancellationToken).ConfigureAwait(false);
            }

            var killed = new HashSet<string>(StringComparer.Ordinal);
            var isolated = new HashSet<string>(StringComparer.Ordinal);
            var injected = 0;
            for (var step = 0; injected < faults && step < faults * 4 && !cancellationToken.IsCancellationRequested; step++)
            {
                var healthy = cluster.Nodes.Where(n => !killed.Contains(n) && !isolated.Contains(n)).ToList();
                var fault = random.Next(10);
                var victim = healthy.Count >= 2 ? healthy[random.Next(healthy.Count)] : null;
                var group = s_groups[random.Next(s_groups.Length)];
                var at = DateTime.UtcNow;
                string done;
                string? target = null;
                if (fault <= 3 && victim is not null)
                {
                    target = victim;
                    var owned = await OwnedByAsync(cluster, victim, cancellationToken).ConfigureAwait(false);
                    var down = killed.Count + isolated.Count;
                    // Watched from before the fault: a freeze returns only when it ends, long after the group may have moved.
                    var struck = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                    var failover = new ChaosFailover(string.Empty, victim, string.Empty, at, down, TimeSpan.Zero);
                    measuring.AddRange(owned.Select(g => MeasureFailoverAsync(
                        cluster, failover with { Group = g }, Stopwatch.GetTimestamp(), struck.Task, returned, failovers, timeouts, cancellationToken)));
                    try
                    {
                        done = await NodeFaultAsync(cluster, victim, fault, random, killed, isolated, lost, cancellationToken).ConfigureAwait(false);
                        struck.SetResult(done);
                    }
                    finally
                    {
                        struck.TrySetCanceled(CancellationToken.None); // the fault itself failed: its watches end
                    }
                }
                else if (fault is 4 or 5 or 6 && await cluster.OwnerAsync(group, cancellationToken).ConfigureAwait(false) is { } owner && healthy.Contains(owner))
                {
                    target = owner;
                    done = await ResourceFaultAsync(cluster, owner, group, fault, random, cancellationToken).ConfigureAwait(false);
                }
                else if (killed.Count > 0)
                {
                    var back = target = killed.First();
                    await cluster.RestartAsync(back, cancellationToken).ConfigureAwait(false);
                    killed.Remove(back);
                    returned[back] = Stopwatch.GetTimestamp();
                    done = "recovery: node start";
                }
                else if (isolated.Count > 0)
                {
                    var back = target = isolated.First();
                    await cluster.IsolateAsync(back, isolated: false, cancellationToken).ConfigureAwait(false);
                    isolated.Remove(back);
                    returned[back] = Stopwatch.GetTimestamp();
                    done = "recovery: node rejoin";
                }
                else
                {
                    done = "skipped";
                }

                if (!done.StartsWith("recovery", StringComparison.Ordinal) && done != "skipped")
                {
                    injected++;
                }

                counts[done] = counts.GetValueOrDefault(done) + 1;
                var what = target is null ? done : $"{done} {target}";
                if (done != "skipped")
                {
                    steps.Add(new ChaosStep(at, what));
                }

                log.WriteLine($"{at:HH:mm:ss.fff} {what}");
                await Task.Delay(random.Next(100, 1200), cancellationToken).ConfigureAwait(false);
            }

            foreach (var node in killed)
            {
                await cluster.RestartAsync(node, cancellationToken).ConfigureAwait(false);
                returned[node] = Stopwatch.GetTimestamp();
            }

            foreach (var node in isolated)
            {
                await cluster.IsolateAsync(node, isolated: false, cancellationToken).ConfigureAwait(false);
                returned[node] = Stopwatch.GetTimestamp();
            }

            await Task.WhenAll(measuring).ConfigureAwait(false);
            var settled = await SettleAsync(cluster, cancellationToken).ConfigureAwait(false);
            await sampler.DisposeAsync().ConfigureAwait(false);
            report = new ChaosReport(seed, injected, counts, failovers, timeouts, sampler.Samples, [.. sampler.Violations], settled, [], clock.Elapsed, null)
            {
                NodesLost = lost,
                Steps = steps,
            };
        }
        finally
        {
            await sampler.DisposeAsync().ConfigureAwait(false);
            cluster.KeepDirectory = keepDirectory || report is not { Passed: true };
            if (report is not { Passed: true })
            {
                log.WriteLine($"Keeping the cluster directory {cluster.Root}. What each node printed last:");
                foreach (var line in cluster.Tail(40))
                {
                    log.WriteLine(line);
                }
            }

            await cluster.DisposeAsync().ConfigureAwait(false);
        }

        // Stopped, the cluster must have left nothing running: no application, no forked child.
        var leftOver = await LeftOverAsync(cancellationToken).ConfigureAwait(false);
        return report! with { LeftOver = leftOver, KeptDirectory = cluster.KeepDirectory ? cluster.Root : null };
    }

    /// <summary>Kill, isolate, or freeze a node; a freeze is either shorter than the lease or longer (then thawed, or killed frozen).</summary>
    private static async Task<string> NodeFaultAsync(
        BenchCluster cluster, string victim, int fault, Random random, HashSet<string> killed, HashSet<string> isolated, List<string> lost,
        CancellationToken cancellationToken)
    {
        switch (fault)
        {
            case 0:
                cluster.Kill(victim);
                killed.Add(victim);
                return "node kill";
            case 1:
                await cluster.IsolateAsync(victim, isolated: true, cancellationToken).ConfigureAwait(false);
                isolated.Add(victim);
                return "node isolate";
            default:
                var pid = cluster.Pid(victim);
                var longer = fault == 3;
                Signals.Freeze(pid);
                await Task.Delay(longer ? random.Next(1500, 3500) : random.Next(100, 600), cancellationToken).ConfigureAwait(false);
                if (longer && random.Next(3) == 0)
                {
                    cluster.Kill(victim); // SIGKILL ends a stopped process too
                    killed.Add(victim);
                    return "node freeze, then kill";
                }

                if (!Signals.TrySend(pid, Signals.Continue))
                {
                    // Gone while stopped: a finding for the report, not a crash of the campaign.
                    lost.Add($"{victim} ended while frozen (exit code {cluster.ExitCodeOf(victim)?.ToString(CultureInfo.InvariantCulture) ?? "unknown"})");
                    killed.Add(victim);
                    return "node freeze: the node ended";
                }

                return longer ? "node freeze > lease" : "node freeze < lease";
        }
    }

    /// <summary>RHS kill, resource failure, or an RHS frozen around the health timeout (thawed if it was not replaced).</summary>
    private static async Task<string> ResourceFaultAsync(
        BenchCluster cluster, string owner, string group, int fault, Random random, CancellationToken cancellationToken)
    {
        if (await cluster.RhsOfAsync(owner, group + "-app", cancellationToken).ConfigureAwait(false) is not { } rhs)
        {
            return "skipped";
        }

        try
        {
            using var client = cluster.Client(owner);
            switch (fault)
            {
                case 4:
                    await client.KillMonitor(new() { Resource = group + "-app" }, cancellationToken).ConfigureAwait(false);
                    return "RHS kill";
                case 5:
                    await client.FailResource(new() { Resource = group + "-app" }, cancellationToken).ConfigureAwait(false);
                    return "resource fail";
                default:
                    Signals.Freeze(rhs);
                    await Task.Delay(random.Next(500, 5000), cancellationToken).ConfigureAwait(false);
                    if (ProcFs.IsRunning(rhs))
                    {
                        Signals.Thaw(rhs);
                    }

                    return "RHS freeze";
            }
        }
        catch (ClusterException)
        {
            return "skipped"; // it moved or restarted meanwhile
        }
        catch (InvalidOperationException)
        {
            return "skipped"; // the RHS was gone before the signal
        }
    }

    private static async Task<List<string>> OwnedByAsync(BenchCluster cluster, string node, CancellationToken cancellationToken)
    {
        var owned = new List<string>();
        foreach (var group in s_groups)
        {
            if (await cluster.OwnerAsync(group, cancellationToken).ConfigureAwait(false) == node)
            {
                owned.Add(group);
            }
        }

        return owned;
    }

    /// <summary>
    /// From the fault until the group is Online on another node (each live node polled every 5 ms through its admin
    /// API), started as the fault strikes; <paramref name="struck"/> names the fault once it is done. A freeze shorter
    /// than the lease moves nothing, so it is not measured.
    /// </summary>
    private static async Task MeasureFailoverAsync(
        BenchCluster cluster, ChaosFailover failover, long at, Task<string> struck, ConcurrentDictionary<string, long> returned,
        List<ChaosFailover> failovers, List<ChaosFailover> timeouts, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(s_failoverLimit);
        var online = OnlineElsewhereAsync();
        try
        {
            var fault = await struck.ConfigureAwait(false);
            if (fault == "node freeze < lease")
            {
                await limit.CancelAsync().ConfigureAwait(false);
                await ((Task)online).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return;
            }

            var onlineAt = await online.ConfigureAwait(false);
            lock (failovers)
            {
                failovers.Add(failover with
                {
                    Fault = fault,
                    Took = Stopwatch.GetElapsedTime(at, onlineAt),
                    NodeReturnedFirst = returned.TryGetValue(failover.From, out var back) && back > at && back < onlineAt,
                });
            }
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            lock (timeouts)
            {
                // Its node's return, or other nodes down, may have kept it there: reported, not a violation.
                timeouts.Add(failover with
                {
                    Fault = struck.IsCompletedSuccessfully ? struck.Result : "a fault",
                    Took = s_failoverLimit,
                    NodeReturnedFirst = returned.TryGetValue(failover.From, out var back) && back > at,
                });
            }
        }

        // When it was seen Online elsewhere, not when the fault's step ended (a freeze ends only when it is thawed).
        async Task<long> OnlineElsewhereAsync()
        {
            await cluster.WaitOnlineAsync(failover.Group, except: failover.From, limit.Token).ConfigureAwait(false);
            return Stopwatch.GetTimestamp();
        }
    }

    /// <summary>No placement pending, every node a member, each group Online on its owner, and one copy of each process.</summary>
    private static async Task<bool> SettleAsync(BenchCluster cluster, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            await using (var store = SqliteClusterStore.Open(Path.Combine(cluster.Root, "cluster.db")))
            {
                var configuration = await new ClusterDatabase(store, _ => throw new InvalidOperationException("only reading"))
                    .ReadAsync(cancellationToken).ConfigureAwait(false);
                if (PlacementPolicy.Decide(configuration, DateTimeOffset.UtcNow).Count == 0 && configuration.Members.Count == cluster.Nodes.Count)
                {
                    var placed = true;
                    foreach (var group in s_groups)
                    {
                        placed &= await cluster.OwnerAsync(group, cancellationToken).ConfigureAwait(false) is { } owner && owner == configuration.OwnerOf(group);
                    }

                    if (placed && new[] { AlphaMarker, BetaMarker, ChildMarker }.All(m => ProcFs.WithCommandLine("sleep", m).Count == 1))
                    {
                        return true;
                    }
                }
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    private static async Task<List<string>> LeftOverAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var left = new[] { AlphaMarker, BetaMarker, ChildMarker }
                .SelectMany(m => ProcFs.WithCommandLine("sleep", m).Select(pid => $"sleep {m} (pid {pid})")).ToList();
            if (left.Count == 0 || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                return left;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }
}
