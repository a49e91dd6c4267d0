using Cluster.Service;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>The cluster directory's shared files, as several node processes make and read them at once.</summary>
[TestFixture]
public sealed class ClusterDirectoryTests
{
    [Test]
    public async Task Nodes_that_start_at_once_all_end_up_with_the_one_token_in_the_directory()
    {
        // Each start makes a token when it finds none; a token that replaced another's would leave the node
        // that made the first one refusing every client (HTTP 401). A guard: the replacing needs a thread
        // preempted between .NET's check and its rename(2), which these rounds rarely meet; link(2) cannot replace.
        for (var round = 0; round < 20; round++)
        {
            var directory = new ClusterDirectory(ClusterCli.NewClusterDirectory());
            using var start = new Barrier(8);
            // Threads of their own: eight pool threads blocked at a barrier would wait on the pool to grow.
            var tokens = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                return directory.EnsureToken();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

            Assert.That(tokens.Distinct().ToList(), Is.EqualTo(new[] { directory.ReadToken() }), $"round {round}");
            Assert.That(Directory.GetFiles(directory.Root, "*.tmp"), Is.Empty, "no temporary file left behind");
        }
    }
}
