using System.Globalization;
using System.Text.Json;
using Cluster.Service.Coordinator;
using Cluster.Service.Database;
using Cluster.Service.Store;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>
/// Random faults against three real nodes: node kills, node isolation, node freezes shorter and longer
/// than the lease (SIGSTOP, then SIGCONT or SIGKILL), RHS freezes, RHS kills and resource failures, in
/// random order with recoveries, while a sampler watches the real application processes every 2 ms: no
/// group's application may ever run twice. One group's application forks a child that would outlive it.
/// In the end every group must be Online where the policy says, and no application process is left over.
/// CLUSTER_CHAOS_FAULTS sets how many faults (default 40, to keep the suite short; docs/failover.md has a
/// longer run), CLUSTER_CHAOS_SEED replays a run (the seed is printed).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class RandomFaultTests : NodeTestBase
{
    private static readonly string[] s_groups = ["alpha", "beta"];

    protected override int NodeCount => 3;

    [Test]
    public async Task Random_faults_never_run_a_group_twice_and_groups_end_where_the_policy_says()
    {
        var faults = int.TryParse(Environment.GetEnvironmentVariable("CLUSTER_CHAOS_FAULTS"), CultureInfo.InvariantCulture, out var n) ? n : 40;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CLUSTER_CHAOS_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Environment.TickCount;
        var random = new Random(seed);
        TestContext.Out.WriteLine($"seed {seed}, {faults} faults");
        foreach (var (group, index) in s_groups.Select((g, i) => (g, i)))
        {
            await Cli("group", "create", group, "--prop", $"PreferredOwners=n{index + 1}", "--prop", "FailoverThreshold=1000");
            var commandLine = group == "beta" ? $"sh -c 'sleep {ChildMarker} & exec sleep {Marker(group)}'" : $"sleep {Marker(group)}";
            await Cli("resource", "create", group + "-app", "--group", group, "--type", "GenericApplication",
                "--prop", $"CommandLine={commandLine}", "--prop", "RestartDelay=100");
            await Cli("group", "online", group);
        }

        var sampler = new DoubleRunSampler(new()
        {
            ["alpha"] = ["sleep", Marker("alpha")],
            ["beta"] = ["sleep", Marker("beta")],
            ["beta's forked child"] = ["sleep", ChildMarker],
        });
        var killed = new HashSet<string>();
        var isolated = new HashSet<string>();
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < faults; i++)
        {
            var healthy = Enumerable.Range(1, 3).Select(k => $"n{k}").Where(x => !killed.Contains(x) && !isolated.Contains(x)).ToList();
            var fault = random.Next(9);
            string done;
            if (fault == 0 && healthy.Count >= 2)
            {
                var victim = healthy[random.Next(healthy.Count)];
                await KillNodeAsync(victim);
                killed.Add(victim);
                done = "node kill";
            }
            else if (fault == 1 && healthy.Count >= 2)
            {
                var victim = healthy[random.Next(healthy.Count)];
                await Cli("node", "isolate", victim);
                isolated.Add(victim);
                done = "node isolate";
            }
            else if (fault is 6 or 7 && healthy.Count >= 2)
            {
                // Shorter than the lease: nothing may happen. Longer: it fences; thawed, it holds nothing; or it dies frozen.
                var victim = healthy[random.Next(healthy.Count)];
                var pid = NodeProcess(victim).Id;
                var frozenMs = fault == 6 ? random.Next(100, 600) : random.Next(1500, 3500);
                Signals.Freeze(pid);
                await Task.Delay(frozenMs);
                if (fault == 7 && random.Next(3) == 0)
                {
                    await KillNodeAsync(victim);
                    killed.Add(victim);
                    done = "node freeze, then kill";
                }
                else
                {
                    Signals.Thaw(pid);
                    done = fault == 6 ? "node freeze < lease" : "node freeze > lease";
                }
            }
            else if (fault == 8 && await OwnerOfAsync(s_groups[random.Next(2)], healthy) is (var frozenGroup, { } frozenOwner)
                && await RhsOfAsync(frozenGroup + "-app", frozenOwner) is { } rhs)
            {
                // Around the health timeout (3 s): thawed in time, or found wedged and replaced.
                Signals.Freeze(rhs);
                await Task.Delay(random.Next(500, 5000));
                if (Processes.IsRunning(rhs))
                {
                    Signals.Thaw(rhs);
                }

                done = "RHS freeze";
            }
            else if (fault is 2 or 3 && await OwnerOfAsync(s_groups[random.Next(2)], healthy) is var (group, owner) && owner is not null)
            {
                done = fault == 2
                    ? await TryCli("monitor", "kill", "--resource", group + "-app", "--node", owner) ? "RHS kill" : "skipped"
                    : await TryCli("resource", "fail", group + "-app", "--node", owner) ? "resource fail" : "skipped";
            }
            else if (killed.Count > 0)
            {
                var back = killed.First();
                await StartNodeAsync(back);
                killed.Remove(back);
                done = "recovery: node start";
            }
            else if (isolated.Count > 0)
            {
                var back = isolated.First();
                await Cli("node", "rejoin", back);
                isolated.Remove(back);
                done = "recovery: node rejoin";
            }
            else
            {
                done = "skipped";
            }

            counts[done] = counts.GetValueOrDefault(done) + 1;
            TestContext.Out.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {done}");
            await Task.Delay(random.Next(100, 1200));
        }

        foreach (var node in killed)
        {
            await StartNodeAsync(node);
        }

        foreach (var node in isolated)
        {
            await Cli("node", "rejoin", node);
        }

        TestContext.Out.WriteLine($"faults done at {DateTime.UtcNow:HH:mm:ss.fff}");
        await Eventually.Until(SettledAsync, TimeSpan.FromSeconds(60), "every group online where the policy says");
        await sampler.DisposeAsync();
        TestContext.Out.WriteLine(string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {c.Value}")));
        TestContext.Out.WriteLine($"{sampler.Samples} samples of the application processes");
        if (sampler.Violations.Count > 0)
        {
            TestContext.Out.WriteLine(await Cli("log")); // what the cluster did around it, for the post-mortem
        }

        Assert.That(sampler.Violations, Is.Empty, $"seed {seed}");
        Assert.That(Processes.WithCommandLine("sleep", ChildMarker), Has.Count.EqualTo(1), "beta's forked child: one, none left over");
        Assert.That(counts.Where(c => !c.Key.StartsWith("recovery", StringComparison.Ordinal) && c.Key != "skipped").Sum(c => c.Value), Is.GreaterThan(faults / 3));
    }

    private const string ChildMarker = "8103";

    private static string Marker(string group) => group == "alpha" ? "8101" : "8102";

    /// <summary>A group and its owner, when the owner is healthy (a fault there means something).</summary>
    private async Task<(string Group, string? Owner)> OwnerOfAsync(string group, List<string> healthy)
    {
        var (exitCode, output, _) = await ClusterCli.RunAsync("group", "list", "--json", "--dir", Dir);
        if (exitCode != 0)
        {
            return (group, null);
        }

        var row = JsonDocument.Parse(output).RootElement.EnumerateArray().Single(g => g.GetProperty("name").GetString() == group);
        var owner = row.GetProperty("node").GetString();
        return (group, owner is not null && healthy.Contains(owner) && row.GetProperty("state").GetString() == "Online" ? owner : null);
    }

    /// <summary>The PID of the RHS that hosts a resource on a node, when the node answers.</summary>
    private async Task<int?> RhsOfAsync(string resource, string node)
    {
        var (exitCode, output, _) = await ClusterCli.RunAsync("monitor", "list", "--json", "--node", node, "--dir", Dir);
        return exitCode == 0
            ? JsonDocument.Parse(output).RootElement.EnumerateArray()
                .Where(m => m.GetProperty("resources").EnumerateArray().Any(r => r.GetString() == resource))
                .Select(m => m.TryGetProperty("pid", out var pid) && pid.ValueKind == JsonValueKind.Number ? pid.GetInt32() : (int?)null)
                .FirstOrDefault()
            : null;
    }

    private async Task<bool> TryCli(params string[] args) => (await ClusterCli.RunAsync([.. args, "--dir", Dir])).ExitCode == 0;

    /// <summary>No placement decision pending, and each group Online on its owner, as the nodes report it.</summary>
    private async Task<string?> SettledAsync()
    {
        await using var store = SqliteClusterStore.Open(Path.Combine(Dir, "cluster.db"));
        var configuration = await new ClusterDatabase(store, _ => throw new InvalidOperationException("not needed to read")).ReadAsync();
        if (PlacementPolicy.Decide(configuration, DateTimeOffset.UtcNow).Count > 0 || configuration.Members.Count < 3)
        {
            return null;
        }

        var (exitCode, output, _) = await ClusterCli.RunAsync("group", "list", "--json", "--dir", Dir);
        var rows = exitCode == 0 ? JsonDocument.Parse(output).RootElement.EnumerateArray().ToList() : [];
        return s_groups.All(g => rows.Any(r => r.GetProperty("name").GetString() == g
                && r.GetProperty("state").GetString() == "Online"
                && r.GetProperty("node").GetString() == configuration.OwnerOf(g)
                && Processes.WithCommandLine("sleep", Marker(g)).Count == 1))
            ? "settled"
            : null;
    }
}
