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
    public async Task Export_to_a_place_that_cannot_be_written_is_a_clear_error()
    {
        var error = await FailingCli("config", "export", "-o", "/nonexistent-folder/cluster.yaml");
        Assert.That(error, Does.Contain("/nonexistent-folder/cluster.yaml cannot be written"));
    }
}
