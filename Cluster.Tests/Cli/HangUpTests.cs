using System.Collections.Concurrent;
using System.Text.Json;
using Cluster.Service.Bench;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>
/// SIGHUP, whose default action ends a process silently. The kernel sends it with SIGCONT to a frozen process
/// whose process group has just been orphaned (a fault campaign lost a frozen node that way when the shell that
/// started it exited), and on a terminal's hang-up.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class HangUpTests : NodeTestBase
{
    [Test]
    public async Task Frozen_node_and_its_rhs_processes_outlive_the_hang_up_of_an_orphaned_process_group()
    {
        var node = Node.Id;
        var rhs = ProcFs.ChildrenOf(node).ToList();
        Assert.That(rhs, Is.Not.Empty, "the shared RHS and the standby");

        // What the kernel does to every process of a newly orphaned group that has a stopped member.
        Signals.Freeze(node);
        try
        {
            foreach (var pid in rhs.Prepend(node))
            {
                Signals.TrySend(pid, Signals.HangUp);
            }
        }
        finally
        {
            Signals.Thaw(node);
        }

        await Eventually.Until(() => Output.Any(l => l.Contains("SIGHUP ignored: this node's life is its parent's", StringComparison.Ordinal))
            && Output.Count(l => l.Contains("rhs: SIGHUP ignored", StringComparison.Ordinal)) == rhs.Count,
            TimeSpan.FromSeconds(30), "the node and its RHS processes saying they ignored SIGHUP", () => string.Join('\n', Output.TakeLast(40)));
        var listed = JsonDocument.Parse(await Cli("node", "list", "--json")).RootElement.EnumerateArray().Single();
        Assert.That((listed.GetProperty("state").GetString(), listed.GetProperty("pid").GetInt32()), Is.EqualTo(("Up", node)));
        Assert.That(rhs.Where(pid => !Processes.IsRunning(pid)), Is.Empty, "no RHS process ended");
    }

    [Test]
    public async Task Cluster_up_stops_its_nodes_in_order_on_a_hang_up()
    {
        var dir = ClusterCli.NewClusterDirectory();
        var output = new ConcurrentQueue<string>();
        using var up = ClusterCli.StartInterruptible(output.Enqueue, "up", "--nodes", "1", "--dir", dir);
        try
        {
            await Eventually.Until(() => output.Any(l => l.Contains("1 nodes up", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60), "cluster up to start its node", () => string.Join('\n', output));
            var node = JsonDocument.Parse((await ClusterCli.RunAsync("node", "list", "--json", "--dir", dir)).Output).RootElement
                .EnumerateArray().Single().GetProperty("pid").GetInt32();

            Signals.TrySend(up.Id, Signals.HangUp);

            await up.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.That(up.ExitCode, Is.Zero, string.Join('\n', output.TakeLast(20)));
            await Eventually.Until(() => !Processes.IsRunning(node), TimeSpan.FromSeconds(10), "the node gone with its cluster");
            // Stopped, not killed by its parent-death signal: it had time to say so.
            Assert.That(File.ReadAllText(Path.Combine(dir, "logs", "n1.out")), Does.Contain("Node n1 is stopping"));
        }
        finally
        {
            await ClusterCli.RemoveClusterAsync(up, dir);
        }
    }

    [Test]
    public async Task Node_run_by_hand_stops_on_a_hang_up_and_says_why()
    {
        var dir = ClusterCli.NewClusterDirectory();
        var output = new ConcurrentQueue<string>();
        using var node = ClusterCli.StartInterruptible(output.Enqueue, "node", "run", "--name", "n1", "--dir", dir);
        try
        {
            await Eventually.Until(() => output.Any(l => l.Contains("Node n1 is up", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60), "the node up", () => string.Join('\n', output));

            Signals.TrySend(node.Id, Signals.HangUp);

            await Eventually.Until(() => node.HasExited, TimeSpan.FromSeconds(30), "the node to stop", () => string.Join('\n', output));
            node.WaitForExit(); // its output read to the end
            Assert.That(node.ExitCode, Is.Zero, string.Join('\n', output));
            Assert.That(output, Has.Some.Contains("SIGHUP: the terminal hung up; the node stops"));
            Assert.That(output, Has.Some.Contains("Node n1 is stopping"), "a stop like Ctrl-C's, not the signal's silent end");
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill(entireProcessTree: true);
            }

            Directory.Delete(dir, recursive: true);
        }
    }
}
