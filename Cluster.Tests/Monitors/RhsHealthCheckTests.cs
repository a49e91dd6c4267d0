using System.Diagnostics;
using System.Globalization;
using Cluster.Protocol.Types.V1;
using Cluster.Service.Monitors;
using Cluster.Tests.Support;

namespace Cluster.Tests.Monitors;

/// <summary>LooksAlive and IsAlive run by the RHS itself, on real processes; the node hears only of failures.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RhsHealthCheckTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Checks_run_in_the_rhs_at_their_own_intervals_while_Online_and_stop_when_it_goes_Offline()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("watched", "FaultInjection")); // LooksAlive 200 ms, IsAlive 500 ms
        var online = Stopwatch.StartNew();
        var first = await WaitForIsAliveAsync(harness, "watched", 3);
        var elapsedMs = online.Elapsed.TotalMilliseconds;

        Assert.That(first.LooksAlive, Is.GreaterThanOrEqualTo(first.IsAlive), "LooksAlive is the frequent one");
        Assert.That(first.LooksAlive, Is.LessThanOrEqualTo(elapsedMs / 200 + 1), "never more often than its interval");
        Assert.That(first.IsAlive, Is.LessThanOrEqualTo(elapsedMs / 500 + 1), "never more often than its interval");

        Assert.That(await harness.Manager.OfflineAsync("watched"), Is.EqualTo(ResourceState.Offline));
        var stopped = await ChecksAsync(harness, "watched");
        // While a neighbour gets three more IsAlive calls, the Offline one gets none.
        await harness.OnlineAsync(MonitorHarness.Spec("neighbour", "FaultInjection"));
        await WaitForIsAliveAsync(harness, "neighbour", 3);

        Assert.That(await ChecksAsync(harness, "watched"), Is.EqualTo(stopped));
        Assert.That(harness.Seen.Where(e => e.Resource == "watched" && e.NewState == ResourceState.Failed), Is.Empty);
    }

    [Test]
    public async Task New_poll_intervals_reach_the_rhs_of_an_Online_resource_at_once()
    {
        await using var harness = await MonitorHarness.StartAsync();
        var spec = MonitorHarness.Spec("watched", "FaultInjection"); // LooksAlive 200 ms, IsAlive 500 ms
        await harness.OnlineAsync(spec);
        var rhsPid = harness.Manager.ListMonitors().Single().Pid;
        await WaitForIsAliveAsync(harness, "watched", 2);

        await harness.Manager.RetimeAsync(spec with { LooksAlivePollInterval = TimeSpan.FromMinutes(10), IsAlivePollInterval = TimeSpan.FromMinutes(10) });
        var slowed = await ChecksAsync(harness, "watched");
        await harness.OnlineAsync(MonitorHarness.Spec("neighbour", "FaultInjection"));
        await WaitForIsAliveAsync(harness, "neighbour", 3);
        Assert.That(await ChecksAsync(harness, "watched"), Is.EqualTo(slowed), "no check while the neighbour had three IsAlive calls");

        await harness.Manager.RetimeAsync(spec with { IsAlivePollInterval = TimeSpan.FromMilliseconds(100) });
        await WaitForIsAliveAsync(harness, "watched", slowed.IsAlive + 3);

        Assert.That(harness.Manager.ListMonitors().Single().Pid, Is.EqualTo(rhsPid));
        Assert.That(harness.Manager.ListResources().Single(r => r.Name == "watched").State, Is.EqualTo(ResourceState.Online));
        var other = Assert.ThrowsAsync<ArgumentException>(() => harness.Manager.RetimeAsync(spec with { SeparateMonitor = true }));
        Assert.That(other!.Message, Does.Contain("differs in more than its timings"));
    }

    [Test]
    public async Task A_hang_in_LooksAlive_is_seen_by_the_node_in_the_rhs_heartbeat_and_only_its_resource_moves_out()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("bystander", "FaultInjection"));
        await harness.OnlineAsync(MonitorHarness.Spec("hangs", "FaultInjection"));
        var sharedPid = harness.Manager.ListMonitors().Single(m => m.Id == MonitorManager.SharedMonitorId).Pid;

        await harness.Manager.ControlAsync("hangs", "Set", new Dictionary<string, string> { ["HangIn"] = "LooksAlive" });

        var deadlock = await harness.WaitForAsync(e => e.Kind == MonitorEventKind.Deadlock, "a deadlock (1230)");
        Assert.That(deadlock.Resource, Is.EqualTo("hangs"));
        Assert.That(deadlock.Cause, Is.EqualTo($"LooksAlive of hangs did not return within {MonitorHarness.DeadlockTimeout.TotalMilliseconds} ms"));
        Assert.That(deadlock.Pid, Is.EqualTo(sharedPid));
        await harness.WaitForAsync(e => e.Kind == MonitorEventKind.ResourceMoved && e.Resource == "hangs", "the move to a dedicated monitor");
    }

    private static async Task<(long LooksAlive, long IsAlive)> WaitForIsAliveAsync(MonitorHarness harness, string resource, long atLeast)
    {
        (long LooksAlive, long IsAlive) seen = default;
        await Eventually.Until(async () =>
        {
            seen = await ChecksAsync(harness, resource);
            return seen.IsAlive >= atLeast ? "enough" : null;
        }, Patience, $"{atLeast} IsAlive calls of {resource}");
        return seen;
    }

    private static async Task<(long LooksAlive, long IsAlive)> ChecksAsync(MonitorHarness harness, string resource)
    {
        var counts = await harness.Manager.ControlAsync(resource, "Checks", new Dictionary<string, string>());
        return (long.Parse(counts["LooksAlive"], CultureInfo.InvariantCulture), long.Parse(counts["IsAlive"], CultureInfo.InvariantCulture));
    }
}
