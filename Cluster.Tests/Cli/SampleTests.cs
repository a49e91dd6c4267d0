using System.Text.Json;

namespace Cluster.Tests.Cli;

/// <summary>The samples on the three nodes they name (their preferred owners must be nodes of the cluster).</summary>
[TestFixture]
[NonParallelizable]
public sealed class SampleTests : NodeTestBase
{
    protected override int NodeCount => 3;

    [Test]
    public async Task Samples_apply_come_online_and_a_second_apply_changes_nothing()
    {
        var samples = Path.Combine(AppContext.BaseDirectory, "samples");
        Assert.That(await Cli("apply", "-f", Path.Combine(samples, "exchange.yaml")), Does.Contain("created resource EVS1-SMTP"));
        await Cli("apply", "-f", Path.Combine(samples, "hyperv.yaml"));

        Assert.That(await Cli("group", "online", "EVS1", "--wait", "30"), Does.Contain("EVS1: Online on n1"));
        Assert.That(await Cli("group", "online", "VM1", "--wait", "30"), Does.Contain("VM1: Online on n2"));
        Assert.That(await Cli("apply", "-f", Path.Combine(samples, "exchange.yaml")), Is.EqualTo("unchanged\n"));

        var vm = await ResourceAsync("VM1");
        Assert.That(vm.GetProperty("applicationPid").GetInt32(), Is.Positive);
        var order = (await Cli("log", "--json")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("component").GetString() == "RHS" && e.TryGetProperty("newState", out var s) && s.GetString() == "Online")
            .Select(e => e.GetProperty("resource").GetString()).ToList();
        Assert.That(order.IndexOf("EVS1-Name"), Is.GreaterThan(order.IndexOf("EVS1-IP")), "Network Name after its IP Address");
        Assert.That(order.IndexOf("EVS1-SA"), Is.GreaterThan(order.IndexOf("EVS1-Name")).And.GreaterThan(order.IndexOf("EVS1-Disk")));
        Assert.That(order.IndexOf("EVS1-POP3"), Is.GreaterThan(order.IndexOf("EVS1-Store")));
    }
}
