using System.Text.Json;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>Capacity on real nodes: what counts against MaxGroups is what runs.</summary>
[TestFixture]
[NonParallelizable]
public sealed class CapacityTests : NodeTestBase
{
    protected override int NodeCount => 2;

    [Test]
    public async Task A_group_left_Failed_on_its_owner_frees_its_place_for_another()
    {
        await Cli("node", "set", "n1", "MaxGroups=1");
        await Cli("group", "create", "broken", "--prop", "PreferredOwners=n1");
        await Cli("resource", "create", "broken-db", "--group", "broken", "--type", "FaultInjection",
            "--prop", "FailOnline=true", "--prop", "RestartAction=1", "--prop", "RestartThreshold=1", "--prop", "RestartDelay=0");
        await Cli("group", "online", "broken", "--wait", "0");
        await Eventually.Until(async () => await GroupAsync("broken") is { } g && g.GetProperty("state").GetString() == "Failed" ? "failed" : null,
            TimeSpan.FromSeconds(30), "broken left Failed on n1 (RestartAction 1)", () => string.Join('\n', Output.TakeLast(30)));

        await Cli("group", "create", "web", "--prop", "PreferredOwners=n1,n2");
        await Cli("resource", "create", "web-app", "--group", "web", "--type", "FaultInjection");
        await Cli("group", "online", "web", "--wait", "0");

        await WaitGroupOnlineAsync("web", "n1");
        Assert.That((await GroupAsync("broken"))!.Value.GetProperty("node").GetString(), Is.EqualTo("n1"), "broken stays where it failed");
    }

    private async Task<JsonElement?> GroupAsync(string name) =>
        JsonDocument.Parse(await Cli("group", "list", "--json")).RootElement.EnumerateArray()
            .FirstOrDefault(g => g.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } g ? g.Clone() : null;
}
