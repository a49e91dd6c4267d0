using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>Client verbs find their node: a resource's verbs go where it is hosted, cluster-wide ones to any node.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RoutingTests : NodeTestBase
{
    protected override int NodeCount => 2;

    [Test]
    public async Task Verbs_about_a_resource_go_to_its_node_and_a_wrong_node_is_told_where_it_is()
    {
        await Cli("group", "create", "far", "--prop", "PreferredOwners=n2");
        await Cli("resource", "create", "far-fi", "--group", "far", "--type", "FaultInjection");
        await Cli("group", "online", "far", "--wait", "30");
        await WaitGroupOnlineAsync("far", "n2");

        Assert.That(await Cli("resource", "control", "far-fi", "Get"), Does.Contain("HangIn="), "no --node needed");
        Assert.That(await Cli("resourcetype", "list"), Does.Contain("FaultInjection"));
        Assert.That(await FailingCli("resource", "control", "far-fi", "Get", "--node", "n1"),
            Does.Contain("Resource far-fi is hosted on node n2, not on n1"));
        Assert.That(await FailingCli("resource", "fail", "nosuch"), Does.Contain("There is no resource nosuch in the cluster."));
        Assert.That(await FailingCli("monitor", "kill", "--id", "0"), Does.Contain("name one with --node"), "a monitor id is per node");

        var killed = await Cli("monitor", "kill", "--resource", "far-fi");
        Assert.That(killed, Does.Contain("on n2"));
        // Back Online in a new RHS: until the node notices the kill, the old Online still shows.
        var pid = killed.Split(' ')[3];
        await Eventually.Until(async () => (await Cli("log")).Contains($"RHS process {pid} exited", StringComparison.Ordinal) ? "noticed" : null,
            TimeSpan.FromSeconds(15), "the kill noticed");
        await WaitForResourceAsync("far-fi", "Online");
        await Cli("resource", "fail", "far-fi");
        await Eventually.Until(async () => (await Cli("log")).Contains("simulated a failure", StringComparison.Ordinal) ? "seen" : null,
            TimeSpan.FromSeconds(15), "the simulated failure on n2");
    }
}
