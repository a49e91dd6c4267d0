using System.Text.Json;
using Cluster.Service.Node;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>A node whose own driver fails ends itself, loudly, and the cluster recovers its groups.</summary>
[TestFixture]
[NonParallelizable]
public sealed class LoopFaultTests : NodeTestBase
{
    protected override int NodeCount => 2;

    protected override IReadOnlyDictionary<string, string> EnvironmentOf(string node) =>
        node == "n1" ? new Dictionary<string, string> { [InjectedFault.Variable] = InjectedFault.FeedLoop } : new Dictionary<string, string>();

    [Test]
    public async Task A_loop_that_throws_ends_its_node_with_the_cause_and_the_group_comes_online_on_the_other_node()
    {
        await Cli("group", "create", "survivor", "--prop", "PreferredOwners=n1,n2");
        await Cli("resource", "create", "survivor-app", "--group", "survivor", "--type", "GenericApplication", "--prop", "CommandLine=sleep 7501");
        await Cli("group", "online", "survivor", "--wait", "30");
        await WaitGroupOnlineAsync("survivor", "n1");
        var node = NodeProcess("n1");

        System.Diagnostics.Process.Start("kill", ["-USR1", node.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            await node.WaitForExitAsync(patience.Token);
        }

        Assert.That(node.ExitCode, Is.EqualTo(LoopSupervisor.ExitCode));
        await Eventually.Until(() => Output.Any(l => l.StartsWith("n1: FATAL: the database feed loop failed: InvalidOperationException", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(5), "the cause on the node's stderr");
        Assert.That(File.ReadAllText(Path.Combine(Dir, "logs", "n1.log")), Does.Contain("the database feed loop failed"), "and in its cluster log");
        await WaitGroupOnlineAsync("survivor", "n2");
        await Eventually.Until(() => Processes.WithCommandLine("sleep", "7501").Count == 1, TimeSpan.FromSeconds(10), "one copy of the application, on n2");
    }
}
