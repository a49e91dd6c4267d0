using Cluster.Service.Bench;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>The live view of an attached `cluster up`, as a person at the terminal sees it.</summary>
[TestFixture]
[NonParallelizable]
public sealed class LiveViewTests
{
    [Test]
    public async Task Live_view_shows_the_latest_calls_without_heartbeats_and_ctrl_c_stops_the_cluster()
    {
        var dir = ClusterCli.NewClusterDirectory();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var up = ClusterCli.StartInterruptible(output.Enqueue, new Dictionary<string, string> { ["COLUMNS"] = "80", ["LINES"] = "24" }, "up", "--nodes", "1", "--dir", dir);
        try
        {
            await Eventually.Until(() => output.Any(l => l.Contains("1 nodes up", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60), "cluster up to start its node", () => string.Join('\n', output));
            foreach (var args in new[]
            {
                new[] { "group", "create", "calls" },
                ["resource", "create", "calls-app", "--group", "calls", "--type", "GenericApplication", "--prop", "CommandLine=sleep 7601"],
                ["group", "online", "calls", "--wait", "30"],
            })
            {
                var (exitCode, _, error) = await ClusterCli.RunAsync([.. args, "--dir", dir]);
                Assert.That(exitCode, Is.Zero, error);
            }

            await Eventually.Until(
                () => output.Any(l => l.Contains("ResourceHost/Online", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30), "the Online call in the view's CALLS pane", () => string.Join('\n', output.TakeLast(30)));
            Assert.That(output, Has.Some.Contains("CALLS (latest; cluster trace -f shows them all)"));
            Assert.That(output, Has.Some.Contains("export CLUSTER_DIR=").And.Some.Contains("refreshed"));
            var frame = output.Select(l => l.Replace("\u001b[H\u001b[2J", string.Empty, StringComparison.Ordinal)).SkipWhile(l => !l.Contains("nodes up ·", StringComparison.Ordinal)).ToList();
            Assert.That(frame.Select(l => l.Length), Has.All.LessThanOrEqualTo(80), "the view fits an 80-column terminal: " + string.Join('\n', frame.Take(30)));
            Assert.That(output.Where(l => l.Contains("ResourceHost/Pet", StringComparison.Ordinal) || l.Contains("ResourceHost/Ping", StringComparison.Ordinal)),
                Is.Empty, "heartbeats would drown the pane");

            Signals.Interrupt(up.Id);
            await up.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            await Eventually.Until(() => Processes.WithCommandLine("sleep", "7601").Count == 0, TimeSpan.FromSeconds(10), "the application stopped with the cluster");
        }
        finally
        {
            await ClusterCli.RemoveClusterAsync(up, dir);
        }
    }
}
