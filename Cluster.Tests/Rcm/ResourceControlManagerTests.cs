using System.Diagnostics;
using System.Globalization;
using Cluster.Protocol.Types.V1;
using Cluster.Service.Monitors;
using Cluster.Service.Rcm;
using Cluster.Tests.Support;

namespace Cluster.Tests.Rcm;

/// <summary>The RCM driving real RHS and application processes: recovery with nobody's help.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ResourceControlManagerTests
{
    private static readonly RestartPolicy Immediate = new() { Delay = TimeSpan.Zero };

    [Test]
    public async Task Application_killed_with_kill_9_is_running_again_by_itself()
    {
        await using var harness = await MonitorHarness.StartAsync(withRcm: true);
        await HostAsync(harness, GroupDefinition.Create("web", [new ResourceDefinition("app", [], Immediate)]),
            MonitorHarness.Spec("app", "GenericApplication", new() { ["CommandLine"] = "sleep 600" }));
        await WaitOnlineAsync(harness, "web");
        var first = await harness.WaitForApplicationPidAsync("app");

        Process.Start("kill", ["-9", first.ToString(CultureInfo.InvariantCulture)]).WaitForExit();

        var second = await Eventually.Until(
            () => Task.FromResult(harness.ApplicationPid("app") is { } pid && pid != first ? pid.ToString(CultureInfo.InvariantCulture) : null),
            TimeSpan.FromSeconds(15), "a new application process");
        await WaitOnlineAsync(harness, "web");
        Assert.That(Processes.IsRunning(int.Parse(second, CultureInfo.InvariantCulture)), Is.True);
    }

    [Test]
    public async Task Resources_of_a_killed_rhs_are_online_again_by_themselves_and_other_monitors_do_not_move()
    {
        await using var harness = await MonitorHarness.StartAsync(withRcm: true);
        await HostAsync(harness, GroupDefinition.Create("shared", [new ResourceDefinition("a", [], Immediate), new ResourceDefinition("b", ["a"], Immediate)]),
            MonitorHarness.Spec("a", "GenericApplication", new() { ["CommandLine"] = "sleep 600" }), MonitorHarness.Spec("b", "FaultInjection"));
        await HostAsync(harness, GroupDefinition.Create("alone", [new ResourceDefinition("c", [], Immediate)]),
            MonitorHarness.Spec("c", "GenericApplication", new() { ["CommandLine"] = "sleep 600" }, separate: true));
        await WaitOnlineAsync(harness, "shared");
        await WaitOnlineAsync(harness, "alone");
        var c = await harness.WaitForApplicationPidAsync("c");
        var a = await harness.WaitForApplicationPidAsync("a");

        harness.Manager.KillMonitor(MonitorManager.SharedMonitorId);
        await harness.WaitForAsync(e => e.Resource == "b" && e.NewState == ResourceState.Failed, "b failed with its RHS");
        await harness.WaitForAsync(e => e.Resource == "a" && e.NewState == ResourceState.Failed, "a failed with its RHS");

        // The group may still read Online for a moment after the failures (the RCM has not taken them in yet):
        // a's new application is the sign that it came back, then the group must be Online.
        await Eventually.Until(() => Task.FromResult(harness.ApplicationPid("a") is { } pid && pid != a ? "moved" : null),
            TimeSpan.FromSeconds(15), "a's new application");
        await WaitOnlineAsync(harness, "shared");
        await Eventually.Until(() => !Processes.IsRunning(a), TimeSpan.FromSeconds(10), "a's old application to end with its RHS");
        Assert.That(harness.ApplicationPid("c"), Is.EqualTo(c), "the other monitor's application did not move");
    }

    [Test]
    public async Task Failing_dependency_takes_its_dependant_down_and_back_up()
    {
        await using var harness = await MonitorHarness.StartAsync(withRcm: true);
        await HostAsync(harness, GroupDefinition.Create("g", [new ResourceDefinition("disk", [], Immediate), new ResourceDefinition("app", ["disk"], Immediate)]),
            MonitorHarness.Spec("disk", "FaultInjection"), MonitorHarness.Spec("app", "FaultInjection"));
        await WaitOnlineAsync(harness, "g");

        // disk's IsAlive starts failing: disk fails, and app must go down with it.
        await harness.Manager.ControlAsync("disk", "Set", new Dictionary<string, string> { ["FlapIntervalMs"] = "300" });
        await harness.WaitForAsync(e => e.Resource == "disk" && e.NewState == ResourceState.Failed, "disk failed");
        await harness.WaitForAsync(e => e.Resource == "app" && e.NewState == ResourceState.Offline, "app taken down with disk");
        await harness.Manager.ControlAsync("disk", "Set", new Dictionary<string, string> { ["FlapIntervalMs"] = "0" });

        await WaitOnlineAsync(harness, "g");
        Assert.That(harness.Seen.Where(e => e.Resource == "app" && e.NewState == ResourceState.Failed), Is.Empty, "app did not fail; it was stopped");
    }

    [Test]
    public async Task Resource_past_its_threshold_with_RestartAction_2_leaves_the_group_failed_on_a_single_node()
    {
        await using var harness = await MonitorHarness.StartAsync(withRcm: true);
        await HostAsync(harness, GroupDefinition.Create("g", [new ResourceDefinition("r", [], new RestartPolicy { Threshold = 1, Delay = TimeSpan.Zero })]),
            MonitorHarness.Spec("r", "FaultInjection", new() { ["FailAfterMs"] = "50" }));

        await Eventually.Until(
            async () => await harness.Rcm!.GroupStateAsync("g") == GroupState.Failed ? "failed" : null,
            TimeSpan.FromSeconds(15), "the group to fail");
        var onlines = harness.Seen.Count(e => e.Resource == "r" && e.NewState == ResourceState.Online);
        Assert.That(onlines, Is.EqualTo(2), "the first Online and one restart");
    }

    [Test]
    public async Task New_poll_intervals_apply_to_a_running_resource_without_opening_it_again_and_other_changes_wait_for_its_next_Online()
    {
        await using var harness = await MonitorHarness.StartAsync(withRcm: true);
        var fi = MonitorHarness.Spec("fi", "FaultInjection"); // LooksAlive 200 ms, IsAlive 500 ms
        var group = GroupDefinition.Create("g", [new ResourceDefinition("fi", [], Immediate)]);
        var online = new Dictionary<string, bool> { ["fi"] = true };
        Assert.That(await harness.Rcm!.ReconcileAsync([new DesiredGroup(group, new Dictionary<string, ResourceSpec> { ["fi"] = fi }, online)]), Is.True);
        await WaitOnlineAsync(harness, "g");
        await Eventually.Until(async () => await IsAliveCallsAsync(harness, "fi") >= 1 ? "checked" : null, TimeSpan.FromSeconds(15), "fi's first IsAlive");
        var seen = harness.Seen.Count;

        var retimed = fi with { LooksAlivePollInterval = TimeSpan.FromMinutes(10), IsAlivePollInterval = TimeSpan.FromMinutes(10) };
        Assert.That(await harness.Rcm.ReconcileAsync([new DesiredGroup(group, new Dictionary<string, ResourceSpec> { ["fi"] = retimed }, online)]), Is.True);
        var changed = retimed with { Properties = new Dictionary<string, string> { ["OnlineDelayMs"] = "1" } };
        Assert.That(await harness.Rcm.ReconcileAsync([new DesiredGroup(group, new Dictionary<string, ResourceSpec> { ["fi"] = changed }, online)]), Is.True);
        var checks = await IsAliveCallsAsync(harness, "fi");
        // While a neighbour, checked every 500 ms, gets three IsAlive calls, fi (now every 10 min) gets none.
        await harness.OnlineAsync(MonitorHarness.Spec("neighbour", "FaultInjection"));
        await Eventually.Until(async () => await IsAliveCallsAsync(harness, "neighbour") >= 3 ? "checked" : null, TimeSpan.FromSeconds(15), "the neighbour's checks");

        Assert.That(await IsAliveCallsAsync(harness, "fi"), Is.EqualTo(checks), "the new intervals took effect at once");
        var behaviour = await harness.Manager.ControlAsync("fi", "Get", new Dictionary<string, string>());
        Assert.That(behaviour["OnlineDelayMs"], Is.EqualTo("0"), "a new property waits for the next Online");
        Assert.That(harness.Seen.Skip(seen).Where(e => e.Resource == "fi" && e.Kind == MonitorEventKind.StateChanged), Is.Empty, "nothing was opened again");
    }

    private static async Task<long> IsAliveCallsAsync(MonitorHarness harness, string resource) =>
        long.Parse((await harness.Manager.ControlAsync(resource, "Checks", new Dictionary<string, string>()))["IsAlive"], CultureInfo.InvariantCulture);

    [Test]
    public async Task Reconcile_says_when_a_group_could_not_be_hosted_and_hosts_it_when_asked_again()
    {
        await using var harness = await MonitorHarness.StartAsync(withRcm: true);
        var r = MonitorHarness.Spec("r", "FaultInjection");
        var z = MonitorHarness.Spec("z", "FaultInjection");
        var online = new Dictionary<string, bool> { ["r"] = true, ["z"] = true };
        var zetaWithR = new DesiredGroup(GroupDefinition.Create("zeta", [new("r", [], Immediate), new("z", [], Immediate)]),
            new Dictionary<string, ResourceSpec> { ["r"] = r, ["z"] = z }, online);
        Assert.That(await harness.Rcm!.ReconcileAsync([zetaWithR]), Is.True);
        await WaitOnlineAsync(harness, "zeta");

        // r moves to a new group that sorts first: while zeta still holds it, beta cannot be hosted.
        var beta = new DesiredGroup(GroupDefinition.Create("beta", [new("r", [], Immediate)]), new Dictionary<string, ResourceSpec> { ["r"] = r },
            new Dictionary<string, bool> { ["r"] = true });
        var zeta = new DesiredGroup(GroupDefinition.Create("zeta", [new("z", [], Immediate)]), new Dictionary<string, ResourceSpec> { ["z"] = z },
            new Dictionary<string, bool> { ["z"] = true });

        Assert.That(await harness.Rcm.ReconcileAsync([beta, zeta]), Is.False, "not converged: the feed must try again");
        Assert.That(await harness.Rcm.ReconcileAsync([beta, zeta]), Is.True, "the same desired state, a pass later");
        await WaitOnlineAsync(harness, "beta");
        Assert.That((await harness.Rcm.ListGroupsAsync()).Select(g => g.Name), Is.EqualTo(new[] { "beta", "zeta" }));
    }

    [Test]
    public async Task A_group_given_under_a_lease_the_node_no_longer_holds_does_not_start()
    {
        long current = 7;
        await using var harness = await MonitorHarness.StartAsync(withRcm: true, mayAct: lease => lease == 0 || lease == Interlocked.Read(ref current));
        var spec = MonitorHarness.Spec("app", "GenericApplication", new() { ["CommandLine"] = "sleep 7701" });
        var group = GroupDefinition.Create("g", [new ResourceDefinition("app", [], Immediate)]);
        Interlocked.Exchange(ref current, 8); // a freeze: the node rejoined under lease 8 while the decision read under 7 was in flight
        harness.Manager.Pet(TimeSpan.FromMinutes(1), 8); // and its RHS heard so

        await harness.Rcm!.HostGroupAsync(group, new Dictionary<string, ResourceSpec> { ["app"] = spec }, new Dictionary<string, bool> { ["app"] = true }, lease: 7);

        var refused = await Eventually.Until(async () => harness.Manager.ListResources().Single().State == ResourceState.Offline
            && (await harness.Rcm.ListGroupsAsync()).Single().State != GroupState.Online ? "refused" : null, TimeSpan.FromSeconds(5), "the Online refused");
        Assert.That(refused, Is.Not.Null);
        Assert.That(Processes.WithCommandLine("sleep", "7701"), Is.Empty, "nothing started under the lapsed lease");
        Assert.That(harness.Seen.Any(e => e.Resource == "app" && e.NewState == ResourceState.Online), Is.False);

        await harness.Rcm.ReconcileAsync([new DesiredGroup(group, new Dictionary<string, ResourceSpec> { ["app"] = spec }, new Dictionary<string, bool> { ["app"] = true }) { Lease = 8 }]);
        await harness.Manager.OnlineAsync("app", 8);
        await Eventually.Until(() => Processes.WithCommandLine("sleep", "7701").Count == 1, TimeSpan.FromSeconds(10), "it starts under the lease the node holds");
    }

    private static async Task HostAsync(MonitorHarness harness, GroupDefinition group, params ResourceSpec[] specs) =>
        await harness.Rcm!.HostGroupAsync(group, specs.ToDictionary(s => s.Name));

    private static Task WaitOnlineAsync(MonitorHarness harness, string group) =>
        Eventually.Until(
            async () => await harness.Rcm!.GroupStateAsync(group) == GroupState.Online ? "online" : null,
            TimeSpan.FromSeconds(15), $"group {group} online");
}
