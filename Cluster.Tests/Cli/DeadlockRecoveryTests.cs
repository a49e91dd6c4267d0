using System.Text.Json;
using Cluster.Tests.Support;

namespace Cluster.Tests.Cli;

/// <summary>A deadlocked shared RHS on a real node: its recycle costs each resource one restart at most, and no group fails.</summary>
[TestFixture]
[NonParallelizable]
public sealed class DeadlockRecoveryTests : NodeTestBase
{
    [Test]
    public async Task Deadlocked_shared_rhs_brings_every_resource_back_online_with_at_most_one_restart_each()
    {
        await Cli("group", "create", "trio");
        await Cli("resource", "create", "hangs", "--group", "trio", "--type", "FaultInjection", "--prop", "IsAlivePollInterval=300");
        await Cli("resource", "create", "calm", "--group", "trio", "--type", "FaultInjection");
        await Cli("resource", "create", "trio-app", "--group", "trio", "--type", "GenericApplication", "--prop", "CommandLine=sleep 7601");
        await Cli("group", "online", "trio", "--wait", "30");
        var shared = await SharedMonitorPidAsync();

        await Cli("resource", "control", "hangs", "Set", "HangIn=IsAlive"); // this once: after the recycle it is healthy again

        await Eventually.Until(async () => (await Cli("log")).Contains("IsAlive of hangs did not return within", StringComparison.Ordinal) ? "seen" : null,
            TimeSpan.FromSeconds(20), "the deadlock (1230)", () => string.Join('\n', Output.TakeLast(40)));
        // The end state, not a moment of it: just after the replacement RHS is in place, the resources can still
        // read Online from before their failure is handled (seen in CI).
        var resources = await Eventually.Until(async () =>
            {
                var all = JsonDocument.Parse(await Cli("resource", "list", "--json")).RootElement.EnumerateArray().Select(r => r.Clone()).ToList();
                return all.All(r => r.GetProperty("state").GetString() == "Online") && await SharedMonitorPidAsync() != shared
                    && await CulpritIsDedicatedAsync() ? all : null;
            },
            TimeSpan.FromSeconds(30), "every resource back online in a new RHS, the culprit in a monitor of its own",
            () => string.Join('\n', Output.TakeLast(60)));

        Assert.That(resources.Select(r => r.GetProperty("restartCount").GetInt32()), Is.All.InRange(0, 1), "a recycle costs one restart at most");
        var log = await Cli("log");
        Assert.That(log, Does.Not.Contain("restart threshold"), "no resource spent its restart budget");
        // The group's state is the RCM's, which hears of the last Online a moment after the monitor.
        await Eventually.Until(async () => JsonDocument.Parse(await Cli("group", "list", "--json")).RootElement.EnumerateArray().Single()
            .GetProperty("state").GetString() == "Online" ? "online" : null, TimeSpan.FromSeconds(10), "the group Online");
        // Online is reported once the tree is started; its shell's exec into the application can trail it a little.
        await Eventually.Until(() => Processes.WithCommandLine("sleep", "7601").Count == 1, TimeSpan.FromSeconds(10), "one copy of the application");
        Assert.That(await CulpritIsDedicatedAsync(), Is.True, "the culprit stays in a monitor of its own");
    }

    private async Task<bool> CulpritIsDedicatedAsync() =>
        JsonDocument.Parse(await Cli("monitor", "list", "--json")).RootElement.EnumerateArray()
            .Any(m => m.GetProperty("dedicated").GetBoolean() && m.GetProperty("resources").EnumerateArray().Any(r => r.GetString() == "hangs"));

    private async Task<int> SharedMonitorPidAsync() =>
        JsonDocument.Parse(await Cli("monitor", "list", "--json")).RootElement.EnumerateArray()
            .Single(m => m.GetProperty("id").GetInt32() == 0).GetProperty("pid").GetInt32();
}
