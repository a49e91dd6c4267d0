using System.Text.Json;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>`cluster config export` and `apply --dry-run/--prune` against a real node, judged from the real applications.</summary>
public class ConfigTests : NodeTestBase
{
    private async Task<IReadOnlyList<string>> GroupsAsync() =>
        [.. JsonDocument.Parse(await Cli("group", "list", "--json")).RootElement.EnumerateArray().Select(g => g.GetProperty("name").GetString()!)];

    [Test]
    public async Task Export_applies_back_unchanged_dry_run_changes_nothing_and_prune_stops_what_it_deletes()
    {
        await HostAsync("keep", "--type", "GenericApplication", "--prop", "CommandLine=sleep 7701", "--prop", "RestartDelay=0");
        await HostAsync("drop", "--type", "GenericApplication", "--prop", "CommandLine=sleep 7702");
        await Eventually.Until(() => Processes.WithCommandLine("sleep", "7702").Count == 1, TimeSpan.FromSeconds(20), "drop's application running");

        var exported = Path.Combine(Dir, "exported.yaml");
        Assert.That(await Cli("config", "export", "-o", exported), Does.Contain("wrote 2 groups and 2 resources"));
        Assert.That(await Cli("apply", "-f", exported), Is.EqualTo("unchanged\n"));

        var keep = Path.Combine(Dir, "keep.yaml");
        await File.WriteAllTextAsync(keep, """
            groups:
              - name: keep
                resources:
                  - name: keep
                    type: GenericApplication
                    restartDelay: 0
                    properties: { CommandLine: sleep 7701 }
            """);
        var dryRun = await Cli("apply", "-f", keep, "--prune", "--dry-run");
        Assert.That(dryRun, Does.StartWith("dry run: nothing was changed").And.Contain("deleted group drop").And.Contain("deleted resource drop"));
        Assert.That(await GroupsAsync(), Is.EqualTo(new[] { "drop", "keep" }));

        var pruned = await Cli("apply", "-f", keep, "--prune");
        Assert.That(pruned, Does.Contain("deleted group drop").And.Contain("deleted resource drop").And.Not.Contain("keep"));
        Assert.That(await GroupsAsync(), Is.EqualTo(new[] { "keep" }));
        await Eventually.Until(() => Processes.WithCommandLine("sleep", "7702").Count == 0, TimeSpan.FromSeconds(20), "the pruned group's application stopped");
        Assert.That(Processes.WithCommandLine("sleep", "7701"), Has.Count.EqualTo(1), "the kept group runs on");
    }

    [Test]
    public async Task Show_gives_every_property_with_its_value_in_force_and_whether_it_is_the_default()
    {
        await HostAsync("web", "--type", "GenericApplication", "--prop", "CommandLine=sleep 7703", "--prop", "RestartDelay=0");
        await Cli("group", "set", "web", "Priority=3000");
        await Cli("node", "set", "n1", "MaxGroups=4");

        var resource = JsonDocument.Parse(await Cli("resource", "show", "web", "--json")).RootElement;
        var properties = resource.GetProperty("properties").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => (p.GetProperty("value").GetString(), p.GetProperty("default").GetBoolean()));
        Assert.Multiple(() =>
        {
            Assert.That((resource.GetProperty("type").GetString(), resource.GetProperty("group").GetString()), Is.EqualTo(("GenericApplication", "web")));
            Assert.That(resource.GetProperty("privateProperties").GetProperty("CommandLine").GetString(), Is.EqualTo("sleep 7703"));
            Assert.That(properties["RestartDelay"], Is.EqualTo(("0 ms", false)));
            Assert.That(properties["DeadlockTimeout"], Is.EqualTo(("1000 ms (the node's)", true)), "the test nodes run with --deadlock-timeout-ms 1000");
            Assert.That(properties["LooksAlivePollInterval"], Is.EqualTo(("5000 ms (the type's)", true)));
        });

        Assert.That(await Cli("group", "show", "web"), Does.Match(@"Priority\s+3000\s+set").And.Match(@"FailoverThreshold\s+1 \(nodes - 1\)\s+default"));
        Assert.That(await Cli("node", "show", "n1"), Does.Match(@"MaxGroups\s+4\s+set"));
        Assert.That(await FailingCli("resource", "show", "nope"), Does.Contain("There is no resource 'nope'"));
        Assert.That(await FailingCli("node", "show", "n9"), Does.Contain("There is no node n9 in the cluster"));
    }

    [Test]
    public async Task Export_to_a_place_that_cannot_be_written_is_a_clear_error()
    {
        var error = await FailingCli("config", "export", "-o", "/nonexistent-folder/cluster.yaml");
        Assert.That(error, Does.Contain("/nonexistent-folder/cluster.yaml cannot be written"));
    }
}
