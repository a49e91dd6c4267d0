using System.Text.Json;
using Cluster.Service.Bench;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>
/// The faults a real cluster meets besides kill -9, judged from the real processes: a frozen owner node
/// (SIGSTOP past its lease, then SIGCONT), a frozen RHS whose node is then killed, an application that
/// forks a child that outlives it, and a frozen RHS on a live node.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class FreezeAndForkTests : NodeTestBase
{
    private const int LeaseTtlMs = 1000; // the nodes' default

    protected override int NodeCount => 3;

    [Test]
    public async Task Frozen_owner_never_runs_its_group_beside_the_next_node_and_hosts_again_after_thawing()
    {
        await CreateAppGroupAsync("web", "sleep 7201", "--prop", "PreferredOwners=n1,n2");
        await WaitGroupOnlineAsync("web", "n1");
        var frozen = NodeProcess("n1").Id;

        await using (var sampler = new DoubleRunSampler(new() { ["web"] = ["sleep", "7201"] }))
        {
            Signals.Freeze(frozen);
            try
            {
                await WaitGroupOnlineAsync("web", "n2");
                // Keep it frozen for three lease TTLs in all, then thaw it: it must learn it holds nothing.
                await Eventually.Until(() => sampler.Samples > 0, TimeSpan.FromSeconds(5), "the sampler running");
                await Task.Delay(3 * LeaseTtlMs);
            }
            finally
            {
                Signals.Thaw(frozen);
            }

            await WaitNodeUpAsync("n1");
            Assert.That(sampler.Violations, Is.Empty, await Cli("log"));
            Assert.That(Processes.WithCommandLine("sleep", "7201"), Has.Count.EqualTo(1));
        }

        Assert.That(await Cli("log"), Does.Contain("fenced").And.Contain("unfenced"));
        // Thawed, it is a healthy node again: a group moved to it comes online there.
        Assert.That(await Cli("group", "move", "web", "--to", "n1"), Does.Contain("web: Online on n1"));
        await WaitApplicationsAsync(1, "sleep", "7201");
    }

    [Test]
    public async Task Frozen_rhs_of_a_killed_node_dies_with_it_and_takes_its_application()
    {
        await CreateAppGroupAsync("db", "sleep 7202", "--prop", "PreferredOwners=n1,n2");
        await WaitGroupOnlineAsync("db", "n1");
        var rhs = await MonitorPidAsync("db-app");
        var app = (await ResourceAsync("db-app")).GetProperty("applicationPid").GetInt32();

        await using var sampler = new DoubleRunSampler(new() { ["db"] = ["sleep", "7202"] });
        Signals.Freeze(rhs);
        await KillNodeAsync("n1");

        await Eventually.Until(() => !Processes.IsRunning(rhs) && !Processes.IsRunning(app), TimeSpan.FromSeconds(10),
            "the frozen RHS and its application gone with their node");
        await WaitGroupOnlineAsync("db", "n2");
        await WaitApplicationsAsync(1, "sleep", "7202");
        Assert.That(sampler.Violations, Is.Empty);
    }

    [Test]
    public async Task Forking_application_is_one_tree_for_rhs_death_offline_and_node_kill()
    {
        // The main process forks a child that would outlive it, as a shell wrapper or a daemon does.
        await CreateAppGroupAsync("fork", "sh -c 'sleep 7204 & exec sleep 7203'", "--prop", "PreferredOwners=n1,n2");
        await WaitGroupOnlineAsync("fork", "n1");
        await Eventually.Until(() => Processes.WithCommandLine("sleep", "7204").Count == 1, TimeSpan.FromSeconds(10), "the forked child running");
        var child = Processes.WithCommandLine("sleep", "7204").Single();

        // RHS killed: noticed (1146) although the child holds the RHS's output pipes, the old tree gone, one copy after recovery.
        var rhs = await MonitorPidAsync("fork-app");
        await Cli("monitor", "kill", "--resource", "fork-app", "--node", "n1");
        await Eventually.Until(async () => (await Cli("log")).Contains($"RHS process {rhs} exited", StringComparison.Ordinal) ? "seen" : null,
            TimeSpan.FromSeconds(10), "the RHS's death noticed");
        await Eventually.Until(() => !Processes.IsRunning(child), TimeSpan.FromSeconds(10), "the forked child gone with its RHS");
        await Eventually.Until(async () => (await ResourceAsync("fork-app")).GetProperty("state").GetString() == "Online"
                && Processes.WithCommandLine("sleep", "7203").Count == 1 && Processes.WithCommandLine("sleep", "7204").Count == 1 ? "back" : null,
            TimeSpan.FromSeconds(20), "one copy of the whole tree after recovery");

        // Offline ends the whole tree.
        await Cli("group", "offline", "fork");
        Assert.That(Processes.WithCommandLine("sleep", "7203"), Is.Empty);
        await Eventually.Until(() => Processes.WithCommandLine("sleep", "7204").Count == 0, TimeSpan.FromSeconds(5), "the child gone at Offline");

        // Node killed: the whole tree goes with it, and the group runs once, elsewhere.
        await Cli("group", "online", "fork");
        await WaitGroupOnlineAsync("fork", "n1");
        await Eventually.Until(() => Processes.WithCommandLine("sleep", "7204").Count == 1, TimeSpan.FromSeconds(10), "the forked child running again");
        var orphan = Processes.WithCommandLine("sleep", "7204").Single();
        await KillNodeAsync("n1");
        await Eventually.Until(() => !Processes.IsRunning(orphan), TimeSpan.FromSeconds(10), "the forked child gone with its node");
        await WaitGroupOnlineAsync("fork", "n2");
        await Eventually.Until(() => Processes.WithCommandLine("sleep", "7204").Count == 1, TimeSpan.FromSeconds(10), "the child on n2");
        Assert.That(Processes.WithCommandLine("sleep", "7203"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Frozen_rhs_is_replaced_within_the_health_timeout()
    {
        await CreateAppGroupAsync("calm", "sleep 7205", "--prop", "PreferredOwners=n1");
        await WaitGroupOnlineAsync("calm", "n1");
        var rhs = await MonitorPidAsync("calm-app");

        Signals.Freeze(rhs);

        // Health timeout 3 s and a ping a second: well under DeadlockTimeout's default, measured generously.
        await Eventually.Until(async () => (await Cli("log")).Contains($"RHS process {rhs} did not answer its health ping", StringComparison.Ordinal) ? "seen" : null,
            TimeSpan.FromSeconds(15), "the frozen RHS declared wedged");
        await Eventually.Until(async () => (await ResourceAsync("calm-app")).GetProperty("state").GetString() == "Online"
                && Processes.WithCommandLine("sleep", "7205").Count == 1 ? "back" : null,
            TimeSpan.FromSeconds(20), "the resource back in a new RHS, once");
        Assert.That(Processes.IsRunning(rhs), Is.False, "the frozen RHS was killed");
    }

    private async Task CreateAppGroupAsync(string name, string commandLine, params string[] groupProps)
    {
        await Cli(["group", "create", name, .. groupProps]);
        await Cli("resource", "create", name + "-app", "--group", name, "--type", "GenericApplication", "--prop", $"CommandLine={commandLine}",
            "--prop", "RestartDelay=100");
        await Cli("group", "online", name, "--wait", "0");
    }

    private async Task<int> MonitorPidAsync(string resource) =>
        JsonDocument.Parse(await Cli("monitor", "list", "--json")).RootElement.EnumerateArray()
            .Single(m => m.GetProperty("resources").EnumerateArray().Any(r => r.GetString() == resource)).GetProperty("pid").GetInt32();

    private async Task WaitNodeUpAsync(string node) =>
        await Eventually.Until(
            async () => JsonDocument.Parse(await Cli("node", "list", "--json")).RootElement.EnumerateArray()
                .Any(n => n.GetProperty("name").GetString() == node && n.GetProperty("state").GetString() == "Up") ? "up" : null,
            TimeSpan.FromSeconds(30), $"node {node} up");
}
