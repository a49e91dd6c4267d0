using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>A node that records no calls (`--trace-capacity 0`) runs as any other, and `cluster trace` says why it shows nothing of it.</summary>
public class TraceOffTests : NodeTestBase
{
    protected override IReadOnlyList<string> ArgumentsOf(string node) => ["--trace-capacity", "0"];

    [Test]
    public async Task A_node_that_records_nothing_runs_on_and_trace_says_so()
    {
        await HostAsync("web", "--type", "GenericApplication", "--prop", "CommandLine=sleep 7801");

        var (exitCode, output, error) = await ClusterCli.RunAsync("trace", "--dir", Dir);

        Assert.That(exitCode, Is.Zero, error);
        Assert.That(output, Is.Empty);
        Assert.That(error, Does.Contain("Node n1 records no calls: it runs with --trace-capacity 0"));
        Assert.That(Node.HasExited, Is.False, "no trace loop to supervise is not a loop that ended");
        Assert.That(Directory.Exists(Path.Combine(Dir, "traces")), Is.False, "nothing written");
    }
}
