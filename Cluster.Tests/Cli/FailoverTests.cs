using System.Text.Json;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>Three real node processes: membership, the coordinator, failover, moves and fencing, through the CLI; on each store.</summary>
[TestFixture("sqlite")]
[TestFixture("etcd")]
[NonParallelizable]
public sealed class FailoverTests(string store) : NodeTestBase(store)
{
    protected override int NodeCount => 3;

    [Test]
    public async Task Killing_the_owner_brings_the_group_online_on_the_next_node()
    {
        await CreateAppGroupAsync("web", "7001", "--prop", "PreferredOwners=n1,n2");
        var first = await WaitOnlineAsync("web", "n1");
        var oldPid = (await ResourceAsync("web-app")).GetProperty("applicationPid").GetInt32();

        await KillNodeAsync("n1");

        await WaitOnlineAsync("web", "n2");
        Assert.That(Processes.IsRunning(oldPid), Is.False, "the application died with its node");
        await WaitApplicationsAsync(1, "sleep", "7001");
        Assert.That(first.GetProperty("node").GetString(), Is.EqualTo("n1"));
        var log = await Cli("log");
        Assert.That(log, Does.Contain("node n1 is down").And.Contain("(event 1135)"));
        Assert.That(log, Does.Contain("group web fails over from node n1 to node n2: node n1 is down"));
        var nodes = JsonDocument.Parse(await Cli("node", "list", "--json")).RootElement.EnumerateArray().ToList();
        Assert.That(nodes.Select(n => (n.GetProperty("name").GetString(), n.GetProperty("state").GetString())),
            Is.EqualTo(new[] { ("n1", "Down"), ("n2", "Up"), ("n3", "Up") }));
        Assert.That(nodes[1].GetProperty("groups").EnumerateArray().Select(g => g.GetString()), Is.EqualTo(new[] { "web" }));
    }

    [Test]
    public async Task Resource_failing_past_its_restart_threshold_moves_its_group_to_the_next_node()
    {
        await Cli("group", "create", "db", "--prop", "PreferredOwners=n2,n3");
        await Cli("resource", "create", "engine", "--group", "db", "--type", "FaultInjection", "--prop", "RestartThreshold=0");
        await Cli("group", "online", "db");
        await WaitOnlineAsync("db", "n2");

        await Cli("resource", "fail", "engine", "--node", "n2");

        await WaitOnlineAsync("db", "n3");
        Assert.That(await Cli("log"), Does.Contain("restart threshold exceeded on n2"));
    }

    [Test]
    public async Task Planned_move_and_drain_go_offline_on_the_owner_then_online_on_the_target()
    {
        await CreateAppGroupAsync("web", "7002", "--prop", "PreferredOwners=n1");
        await WaitOnlineAsync("web", "n1");

        Assert.That(await Cli("group", "move", "web", "--to", "n3"), Does.Contain("web: Online on n3"));
        await WaitApplicationsAsync(1, "sleep", "7002"); // offline on n1, online on n3 (the sampled safety tests judge overlap)
        var order = (await Cli("log", "--json")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("resource", out var r) && r.GetString() == "web-app" && e.TryGetProperty("newState", out _))
            .Select(e => $"{e.GetProperty("node").GetString()} {e.GetProperty("newState").GetString()}").ToList();
        Assert.That(order.IndexOf("n1 Offline"), Is.LessThan(order.IndexOf("n3 OnlinePending")).And.Not.Negative);

        Assert.That(await Cli("node", "pause", "n3", "--drain"), Does.Contain("group web moves from n3 to n1").And.Contain("node n3 paused"));
        await WaitOnlineAsync("web", "n1");
        Assert.That(await FailingCli("group", "move", "web", "--to", "n3"), Does.Contain("Group web cannot move to node n3: node n3 is paused"));
        await Cli("resource", "set", "web-app", "PossibleOwners=n1,n3");
        Assert.That(await FailingCli("group", "move", "web", "--to", "n2"), Does.Contain("node n2 is not a possible owner of resource web-app"));
        Assert.That(await FailingCli("group", "move", "web", "--to", "n9"), Does.Contain("There is no node 'n9'"));
        Assert.That(await FailingCli("group", "move", "ghost"), Does.Contain("There is no group 'ghost'"));
        Assert.That(await FailingCli("node", "pause", "ghost"), Does.Contain("There is no node 'ghost' (there are: n1, n2, n3)"));
        Assert.That(await FailingCli("node", "set", "n1", "Colour=red"), Does.Contain("Nodes have no property Colour"));

        await Cli("node", "resume", "n3", "--failback");
        await WaitOnlineAsync("web", "n3");

        // The cluster log has every administrator's change, and the owner's hand-over of each planned move.
        var log = await Cli("log");
        Assert.That(log, Does.Contain("[Admin] n").And.Contain("administrator: group web moves from n1 to n3"));
        Assert.That(log, Does.Contain("administrator: node n3 paused").And.Contain("administrator: node n3 resumed"));
        Assert.That(log, Does.Contain("administrator: updated resource web-app"));
        Assert.That(log, Does.Contain("group web is offline here and handed over to node n3 (planned move)"));
    }

    [Test]
    public async Task Group_fails_back_to_its_preferred_node_inside_the_failback_window_only()
    {
        var outside = (DateTime.UtcNow.Hour + 2) % 24;
        await CreateAppGroupAsync("inside", "7003", "--prop", "PreferredOwners=n1", "--prop", "AutoFailbackType=1");
        await CreateAppGroupAsync("outside", "7004", "--prop", "PreferredOwners=n1", "--prop", "AutoFailbackType=1",
            "--prop", $"FailbackWindowStart={outside}", "--prop", $"FailbackWindowEnd={(outside + 1) % 24}");
        await WaitOnlineAsync("inside", "n1");
        await WaitOnlineAsync("outside", "n1");

        await Cli("node", "pause", "n1", "--drain");
        await WaitOnlineAsync("inside", "n2");
        await WaitOnlineAsync("outside", "n2");
        await Cli("node", "resume", "n1");

        await WaitOnlineAsync("inside", "n1");
        Assert.That(await Cli("log"), Does.Contain("group inside fails back from node n2 to its preferred owner n1"));
        Assert.That((await GroupAsync("outside")).GetProperty("node").GetString(), Is.EqualTo("n2"), "outside its window it stays");
    }

    [Test]
    public async Task Group_past_its_failover_threshold_stays_failed_with_event_1254()
    {
        await CreateAppGroupAsync("web", "7005", "--prop", "PreferredOwners=n1,n2,n3", "--prop", "FailoverThreshold=1");
        await WaitOnlineAsync("web", "n1");
        await KillNodeAsync("n1");
        await WaitOnlineAsync("web", "n2");

        await KillNodeAsync("n2");

        await Eventually.Until(async () => (await Cli("log")).Contains("(event 1254)", StringComparison.Ordinal) ? "1254" : null,
            TimeSpan.FromSeconds(15), "event 1254");
        var group = await GroupAsync("web");
        Assert.That(group.GetProperty("node").ValueKind, Is.EqualTo(JsonValueKind.Null), "it runs nowhere");
        Assert.That(Processes.WithCommandLine("sleep", "7005"), Is.Empty);

        await Cli("group", "online", "web");
        await WaitOnlineAsync("web", "n3");
    }

    [Test]
    public async Task Isolated_node_stops_its_groups_before_they_start_elsewhere()
    {
        await CreateAppGroupAsync("web", "7006", "--prop", "PreferredOwners=n1,n2");
        await WaitOnlineAsync("web", "n1");
        var oldPid = Processes.WithCommandLine("sleep", "7006").Single();

        Assert.That(await Cli("node", "isolate", "n1"), Does.Contain("node n1 isolated from the cluster store"));

        // Watch the real processes until the application runs on n2: never two at once.
        var seen = new List<string>();
        var newPid = await Eventually.Until(
            async () =>
            {
                var running = Processes.WithCommandLine("sleep", "7006");
                seen.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {string.Join(",", running)}");
                if (running.Count > 1)
                {
                    Assert.Fail($"the application ran on two nodes at once: {string.Join(" | ", seen)}\n{await Cli("log")}");
                }

                return running.Count == 1 && running[0] != oldPid ? running[0].ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            },
            TimeSpan.FromSeconds(15), "the application on another node");
        await WaitOnlineAsync("web", "n2");
        Assert.That(await Cli("log"), Does.Contain("(event 1177)"));

        await Cli("node", "rejoin", "n1");
        await Eventually.Until(async () => (await NodeAsync("n1")).GetProperty("state").GetString() == "Up" ? "up" : null,
            TimeSpan.FromSeconds(15), "n1 back up");
        Assert.That(Processes.WithCommandLine("sleep", "7006").Single().ToString(System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(newPid),
            "the group stays where it went");
    }

    [Test]
    public async Task Placement_honours_possible_owners_and_node_capacity()
    {
        Assert.That(await Cli("node", "set", "n1", "MaxGroups=1"), Is.EqualTo("node n1: MaxGroups 1\n"));
        await CreateAppGroupAsync("a", "7007", "--prop", "PreferredOwners=n1", "--prop", "Priority=3000");
        await WaitOnlineAsync("a", "n1");
        await CreateAppGroupAsync("b", "7008", "--prop", "PreferredOwners=n1");
        await Cli("group", "create", "c");
        await Cli("resource", "create", "c-app", "--group", "c", "--type", "FaultInjection", "--prop", "PossibleOwners=n3");
        await Cli("group", "online", "c", "--wait", "0");

        await WaitOnlineAsync("b", "n2");
        await WaitOnlineAsync("c", "n3");
        Assert.That(await FailingCli("group", "move", "b", "--to", "n1"), Does.Contain("node n1 is at its capacity of 1 groups"));
        Assert.That(await FailingCli("node", "set", "n1", "MaxGroups=many"), Does.Contain("MaxGroups must be a whole number"));
    }

    [Test]
    public async Task Stopped_node_hands_its_groups_over_and_starts_again()
    {
        await CreateAppGroupAsync("web", "7009", "--prop", "PreferredOwners=n2");
        await WaitOnlineAsync("web", "n2");

        var pid = (await NodeAsync("n2")).GetProperty("pid").GetInt32();
        Assert.That(await Cli("node", "stop", "n2"), Does.Contain("stopped node n2"));

        Assert.That(Cluster.Service.Bench.ProcFs.IsRunning(pid), Is.False, "`stopped` is said once the process is gone, so that `node start` finds its name free");
        Assert.That((await GroupAsync("web")).GetProperty("node").GetString(), Is.Not.EqualTo("n2"));
        Assert.That((await NodeAsync("n2")).GetProperty("state").GetString(), Is.EqualTo("Down"));
        Assert.That(await Cli("node", "start", "n2"), Does.Contain("started node n2"));
        Assert.That((await NodeAsync("n2")).GetProperty("state").GetString(), Is.EqualTo("Up"));
        Assert.That(await FailingCli("node", "start", "n2"), Does.Contain("Node n2 is running already"));
        await Cli("down"); // detached n2 must not outlive the test; the attached ones go in TearDown
    }

    /// <summary>A group NAME with one application, `sleep MARKER`, so that its processes can be found.</summary>
    private async Task CreateAppGroupAsync(string name, string marker, params string[] groupProps)
    {
        await Cli(["group", "create", name, .. groupProps]);
        await Cli("resource", "create", name + "-app", "--group", name, "--type", "GenericApplication", "--prop", $"CommandLine=sleep {marker}");
        await Cli("group", "online", name, "--wait", "0");
    }

    private async Task<JsonElement> GroupAsync(string name) =>
        JsonDocument.Parse(await Cli("group", "list", "--json")).RootElement.EnumerateArray().Single(g => g.GetProperty("name").GetString() == name).Clone();

    private async Task<JsonElement> NodeAsync(string name) =>
        JsonDocument.Parse(await Cli("node", "list", "--json")).RootElement.EnumerateArray().Single(g => g.GetProperty("name").GetString() == name).Clone();

    private async Task<JsonElement> WaitOnlineAsync(string group, string node)
    {
        var found = await Eventually.Until(
            async () => (await GroupAsync(group)) is var g && g.GetProperty("state").GetString() == "Online" && g.GetProperty("node").GetString() == node
                ? g.ToString() : null,
            TimeSpan.FromSeconds(20), $"group {group} online on {node}");
        return JsonDocument.Parse(found).RootElement.Clone();
    }
}
