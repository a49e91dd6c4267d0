using System.Text.Json;
using Cluster.Service.Bench;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>No process of ours outlives its parent: an attached node dies with `cluster up`, even while frozen.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ParentDeathTests
{
    [Test]
    public async Task Frozen_node_of_a_killed_cluster_up_dies_with_it_and_takes_its_rhs_and_application()
    {
        var dir = ClusterCli.NewClusterDirectory();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var up = ClusterCli.Start(output.Enqueue, "up", "--nodes", "1", "--dir", dir);
        var node = 0;
        try
        {
            await Eventually.Until(() => output.Any(l => l.Contains("1 nodes up", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60), "cluster up to start its node", () => string.Join('\n', output));
            await Cli(dir, "group", "create", "orphans");
            await Cli(dir, "resource", "create", "orphans-app", "--group", "orphans", "--type", "GenericApplication", "--prop", "CommandLine=sleep 7301");
            await Cli(dir, "group", "online", "orphans", "--wait", "30");
            node = JsonDocument.Parse(await Cli(dir, "node", "list", "--json")).RootElement.EnumerateArray().Single().GetProperty("pid").GetInt32();
            var rhs = JsonDocument.Parse(await Cli(dir, "monitor", "list", "--json")).RootElement.EnumerateArray()
                .Select(m => m.GetProperty("pid").GetInt32()).ToList();
            await Eventually.Until(() => Processes.WithCommandLine("sleep", "7301").Count == 1, TimeSpan.FromSeconds(20), "the application running");
            var application = Processes.WithCommandLine("sleep", "7301").Single();

            Signals.Freeze(node); // a stopped node cannot hear its stdin close
            up.Kill(entireProcessTree: false);
            await up.WaitForExitAsync();

            await Eventually.Until(() => !Processes.IsRunning(node), TimeSpan.FromSeconds(10), "the frozen node killed with its parent");
            await Eventually.Until(() => rhs.Concat([application]).All(pid => !Processes.IsRunning(pid)), TimeSpan.FromSeconds(10),
                "its RHS processes and the application gone with it");
        }
        finally
        {
            if (!up.HasExited)
            {
                up.Kill(entireProcessTree: true);
            }

            foreach (var pid in Processes.WithCommandLine("sleep", "7301").Append(node).Where(p => p > 0 && Processes.IsRunning(p)))
            {
                Signals.Kill(pid);
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task Up_detach_killed_while_starting_leaves_no_node_behind()
    {
        var dir = ClusterCli.NewClusterDirectory();
        using var up = ClusterCli.Start("up", "--nodes", "2", "--detach", "--dir", dir);
        try
        {
            var nodes = await Eventually.Until(() => Task.FromResult(ProcFs.ChildrenOf(up.Id).ToList() is { Count: 2 } children ? children : null),
                TimeSpan.FromSeconds(30), "up --detach to start its two nodes");

            up.Kill(entireProcessTree: false); // before they are up, and before anything was applied
            await up.WaitForExitAsync();

            await Eventually.Until(() => nodes.All(pid => !Processes.IsRunning(pid)), TimeSpan.FromSeconds(20), "its nodes gone with it");
        }
        finally
        {
            await ClusterCli.RunAsync("down", "--dir", dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task Up_detach_that_finished_leaves_its_nodes_running_on_their_own_until_down()
    {
        var dir = ClusterCli.NewClusterDirectory();
        try
        {
            // Real processes that exit: a node still tied to its parent would die with it.
            await RunToEndAsync("up", "--nodes", "1", "--detach", "--dir", dir);
            var node = JsonDocument.Parse(await Cli(dir, "node", "list", "--json")).RootElement.EnumerateArray().Single().GetProperty("pid").GetInt32();
            Assert.That((Processes.IsRunning(node), ProcFs.SessionOf(node)), Is.EqualTo((true, (int?)node)), "running on its own, in a session of its own");
            Assert.That(File.ReadAllText(Path.Combine(dir, "logs", "n1.out")), Does.Contain("Released by the process that started it"));

            await Cli(dir, "node", "kill", "n1");
            await RunToEndAsync("node", "start", "n1", "--dir", dir);
            var started = JsonDocument.Parse(await Cli(dir, "node", "list", "--json")).RootElement.EnumerateArray().Single().GetProperty("pid").GetInt32();
            Assert.That((Processes.IsRunning(started), ProcFs.SessionOf(started)), Is.EqualTo((true, (int?)started)), "`node start` lets its node go too");

            Assert.That(await Cli(dir, "down"), Does.Contain("stopped n1"));
            Assert.That(Processes.IsRunning(started), Is.False);
        }
        finally
        {
            await ClusterCli.RunAsync("down", "--dir", dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task RunToEndAsync(params string[] args)
    {
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var process = ClusterCli.Start(output.Enqueue, args);
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        Assert.That(process.ExitCode, Is.Zero, $"cluster {string.Join(' ', args)}: {string.Join('\n', output)}");
    }

    private static async Task<string> Cli(string dir, params string[] args)
    {
        var (exitCode, output, error) = await ClusterCli.RunAsync([.. args, "--dir", dir]);
        Assert.That(exitCode, Is.Zero, $"cluster {string.Join(' ', args)}: {error}");
        return output;
    }
}
