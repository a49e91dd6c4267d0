using System.Text.Json;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>Groups and resources kept in the cluster database, through the CLI and a real node.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ClusterDatabaseCliTests : NodeTestBase
{
    [Test]
    public async Task Bad_file_is_refused_whole_and_changes_nothing()
    {
        var file = Path.Combine(Dir, "bad.yaml");
        await File.WriteAllTextAsync(file, """
            groups:
              - name: good
                resources:
                  - name: fine
                    type: FaultInjection
              - name: bad
                resources:
                  - name: broken
                    type: FaultInjection
                    properties: { OnlineDelayMs: soon }
            """);
        var before = await Cli("status", "--json");

        var error = await FailingCli("apply", "-f", file);

        Assert.That(error, Does.Contain("Resource broken: property OnlineDelayMs must be an integer, not 'soon'"));
        Assert.That(await Cli("status", "--json"), Is.EqualTo(before), "group good was not created either");
        Assert.That(await FailingCli("apply", "-f", Path.Combine(Dir, "missing.yaml")), Does.Contain("missing.yaml"));
    }

    [Test]
    public async Task Node_killed_while_a_group_comes_online_restarts_with_the_store_intact_and_reaches_the_persistent_state()
    {
        await Cli("group", "create", "slow");
        await Cli("resource", "create", "disk", "--group", "slow", "--type", "FaultInjection", "--prop", "PendingSteps=10", "--prop", "PendingStepMs=200");
        await Cli("resource", "create", "app", "--group", "slow", "--type", "GenericApplication", "--depends-on", "disk", "--prop", "CommandLine=sleep 600");
        await Cli("group", "online", "slow", "--wait", "0");
        await WaitForResourceAsync("disk", "OnlinePending");
        var configuration = await Cli("resource", "list", "--json");

        await KillNodeAsync();
        await StartNodeAsync();

        Assert.That(await Cli("group", "online", "slow", "--wait", "30"), Does.Contain("slow: Online on n1"), "the persistent state survived");
        var resources = JsonDocument.Parse(await Cli("resource", "list", "--json")).RootElement.EnumerateArray().ToList();
        Assert.That(resources.Select(r => (r.GetProperty("name").GetString(), r.GetProperty("persistentState").GetString())),
            Is.EqualTo(new[] { ("app", "Online"), ("disk", "Online") }));
        Assert.That(JsonDocument.Parse(configuration).RootElement.GetArrayLength(), Is.EqualTo(2));
        Assert.That(SqliteIntegrity.Check(Path.Combine(Dir, "cluster.db")), Is.EqualTo("ok"));
    }

    [Test]
    public async Task Deleting_an_online_resource_stops_its_application()
    {
        await HostAsync("app", "--type", "GenericApplication", "--prop", "CommandLine=sleep 600");
        var pid = (await ResourceAsync("app")).GetProperty("applicationPid").GetInt32();

        Assert.That(await Cli("resource", "delete", "app"), Does.Contain("deleted resource app"));

        await Eventually.Until(() => !Processes.IsRunning(pid), TimeSpan.FromSeconds(10), "the application to stop");
        await Eventually.Until(
            async () => JsonDocument.Parse(await Cli("monitor", "list", "--json")).RootElement[0].GetProperty("resources").GetArrayLength() == 0 ? "closed" : null,
            TimeSpan.FromSeconds(10), "the resource to be closed");
    }

    [Test]
    public async Task Resource_added_to_an_online_group_comes_online_without_disturbing_the_others()
    {
        await HostAsync("web", "--type", "GenericApplication", "--prop", "CommandLine=sleep 600");
        var pid = (await ResourceAsync("web")).GetProperty("applicationPid").GetInt32();

        await Cli("resource", "create", "cache", "--group", "web", "--type", "GenericApplication", "--prop", "CommandLine=sleep 600", "--depends-on", "web");
        await Cli("resource", "online", "cache");

        Assert.That((await ResourceAsync("web")).GetProperty("applicationPid").GetInt32(), Is.EqualTo(pid));
    }

    [Test]
    public async Task Changed_settings_take_effect_at_the_next_online()
    {
        await HostAsync("app", "--type", "GenericApplication", "--prop", "CommandLine=sleep 600");
        var first = (await ResourceAsync("app")).GetProperty("applicationPid").GetInt32();

        await Cli("resource", "set", "app", "CommandLine=sleep 700", "SeparateMonitor=true");
        Assert.That((await ResourceAsync("app")).GetProperty("applicationPid").GetInt32(), Is.EqualTo(first), "running: unchanged");
        await Cli("resource", "offline", "app");
        await Cli("resource", "online", "app");

        var second = (await ResourceAsync("app")).GetProperty("applicationPid").GetInt32();
        // The application is started through `sh -c "exec ..."`: its PID may be reported before the exec.
        await Eventually.Until(() => File.ReadAllText($"/proc/{second}/cmdline").Contains("sleep\0700", StringComparison.Ordinal), TimeSpan.FromSeconds(10),
            "the new command line running under the reported PID");
        var monitors = JsonDocument.Parse(await Cli("monitor", "list", "--json")).RootElement.EnumerateArray();
        Assert.That(monitors.Single(m => m.GetProperty("resources").EnumerateArray().Any(r => r.GetString() == "app")).GetProperty("dedicated").GetBoolean(), Is.True);
    }

    [Test]
    public async Task A_second_claim_on_the_same_address_fails_with_the_cause()
    {
        await HostAsync("ip1", "--type", "IPAddress", "--prop", "Address=10.9.9.9");
        await Cli("group", "create", "other");
        await Cli("resource", "create", "ip2", "--group", "other", "--type", "IPAddress", "--prop", "Address=10.9.9.9", "--prop", "RestartAction=0");

        var error = await FailingCli("resource", "online", "ip2", "--wait", "15");

        Assert.That(error, Does.Contain("its group is Failed"));
        Assert.That(await Cli("log"), Does.Contain("ip 10.9.9.9 is claimed by another holder"));
        Assert.That((await ResourceAsync("ip1")).GetProperty("state").GetString(), Is.EqualTo("Online"));
    }

    [Test]
    public async Task Group_verbs_reject_bad_input_and_change_nothing()
    {
        await HostAsync("g", "--type", "FaultInjection");
        var before = await Cli("status", "--json");

        Assert.That(await FailingCli("group", "create", "g"), Does.Contain("Group g exists already"));
        Assert.That(await FailingCli("group", "create", "bad/name"), Does.Contain("'bad/name' is not a valid group name"));
        Assert.That(await FailingCli("group", "delete", "g"), Does.Contain("Group g still has resources (g)"));
        Assert.That(await FailingCli("group", "set", "g", "FailbackWindowStart=24"), Does.Contain("FailbackWindowStart must be between -1 and 23, not 24"));
        Assert.That(await FailingCli("group", "set", "g", "PreferredOwners=n1,n1"), Does.Contain("names a preferred owner twice"));
        Assert.That(await FailingCli("group", "set", "g", "PreferredOwners=n1,n99"),
            Does.Contain("PreferredOwners of group g names 'n99', which is not a node of the cluster (its nodes: n1)"));
        Assert.That(await FailingCli("resource", "set", "g", "PossibleOwners=n7"), Does.Contain("PossibleOwners of resource g names 'n7', which is not a node of the cluster"));
        Assert.That(await FailingCli("group", "set", "g", "Nonsense"), Does.Contain("'Nonsense' is not NAME=VALUE"));
        Assert.That(await FailingCli("resource", "delete", "ghost"), Does.Contain("There is no resource 'ghost'"));
        Assert.That(await FailingCli("resource", "set", "g", "DependsOn=g"), Does.Contain("Resource g depends on itself"));
        Assert.That(await Cli("status", "--json"), Is.EqualTo(before));

        Assert.That(await Cli("group", "set", "g", "PreferredOwners=n1"), Does.Contain("updated group g"));
        var group = JsonDocument.Parse(await Cli("group", "list", "--json")).RootElement[0];
        Assert.That(group.GetProperty("preferredOwners").EnumerateArray().Select(o => o.GetString()), Is.EqualTo(new[] { "n1" }));
        Assert.That(await Cli("group", "delete", "g", "--remove-resources"), Does.Contain("deleted group g"));
    }
}
