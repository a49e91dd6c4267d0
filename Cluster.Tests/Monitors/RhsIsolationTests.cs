using System.Diagnostics;
using Cluster.Protocol.Types.V1;
using Cluster.Service.Monitors;
using Cluster.Tests.Support;

namespace Cluster.Tests.Monitors;

/// <summary>Real RHS processes, killed and hung for real.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RhsIsolationTests
{
    [Test]
    public async Task Killed_rhs_is_replaced_and_its_resources_reported_failed_while_other_monitors_are_untouched()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("shared-app", "GenericApplication", new() { ["CommandLine"] = "sleep 600" }));
        await harness.OnlineAsync(MonitorHarness.Spec("shared-fi", "FaultInjection"));
        await harness.OnlineAsync(MonitorHarness.Spec("own-app", "GenericApplication", new() { ["CommandLine"] = "sleep 600" }, separate: true));
        var ownPid = await harness.WaitForApplicationPidAsync("own-app");
        var sharedAppPid = await harness.WaitForApplicationPidAsync("shared-app");
        var shared = harness.Manager.ListMonitors().Single(m => m.Id == MonitorManager.SharedMonitorId);
        Assert.That(shared.Resources, Is.EquivalentTo(new[] { "shared-app", "shared-fi" }));
        // Everything own-app had to say before the kill has arrived (its log line comes asynchronously).
        await harness.WaitForAsync(e => e.Resource == "own-app" && e.Kind == MonitorEventKind.ResourceLog, "own-app's start logged");
        var before = harness.Seen.Count;

        Process.Start("kill", ["-9", shared.Pid!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();

        await harness.WaitForAsync(e => e.Kind == MonitorEventKind.RhsTerminated && e.Pid == shared.Pid, "the node to notice");
        foreach (var name in new[] { "shared-app", "shared-fi" })
        {
            var failed = await harness.WaitForAsync(
                e => e.Resource == name && e.NewState == ResourceState.Failed, $"{name} reported failed");
            Assert.That(failed.Cause, Is.EqualTo("RHS process terminated"));
            Assert.That(failed.EventId, Is.EqualTo(1069));
        }

        await harness.WaitForAsync(
            e => e.Kind == MonitorEventKind.RhsStarted && e.MonitorId == MonitorManager.SharedMonitorId && e.Pid != shared.Pid,
            "a replacement RHS");
        // Re-opened in the replacement: it answers for them again.
        Assert.That(await harness.Manager.OnlineAsync("shared-fi"), Is.EqualTo(ResourceState.Online));
        var replacement = harness.Manager.ListMonitors().Single(m => m.Id == MonitorManager.SharedMonitorId);
        Assert.That(replacement.Restarts, Is.EqualTo(1));
        Assert.That(replacement.Resources, Is.EquivalentTo(new[] { "shared-app", "shared-fi" }));

        // The application of the killed RHS died with it; the other monitor's did not move.
        await Eventually.Until(() => !Processes.IsRunning(sharedAppPid), TimeSpan.FromSeconds(5), "the orphaned application to die");
        Assert.That(harness.ApplicationPid("own-app"), Is.EqualTo(ownPid));
        Assert.That(Processes.IsRunning(ownPid), Is.True);
        Assert.That(harness.Seen.Skip(before).Where(e => e.Resource == "own-app"), Is.Empty, "no event about other monitors' resources");
        Assert.That(harness.Manager.ListResources().Single(r => r.Name == "own-app").State, Is.EqualTo(ResourceState.Online));
    }

    [Test]
    public async Task Resource_hanging_in_IsAlive_is_caught_its_rhs_replaced_and_it_moves_to_a_dedicated_monitor()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("bystander", "FaultInjection"));
        await harness.OnlineAsync(MonitorHarness.Spec("hangs", "FaultInjection", new() { ["HangIn"] = "IsAlive" }));
        var sharedPid = harness.Manager.ListMonitors().Single(m => m.Id == 0).Pid;

        var deadlock = await harness.WaitForAsync(e => e.Kind == MonitorEventKind.Deadlock, "a deadlock (1230)");
        Assert.That(deadlock.Resource, Is.EqualTo("hangs"));
        Assert.That(deadlock.EventId, Is.EqualTo(1230));
        Assert.That(deadlock.Cause, Does.Contain("IsAlive"));
        await harness.WaitForAsync(e => e.Kind == MonitorEventKind.RhsTerminated && e.Pid == sharedPid, "the RHS terminated (1146)");
        await harness.WaitForAsync(e => e.Resource == "bystander" && e.NewState == ResourceState.Failed, "its neighbour reported failed");
        await harness.WaitForAsync(e => e.Kind == MonitorEventKind.ResourceMoved && e.Resource == "hangs", "the move");

        var monitors = harness.Manager.ListMonitors();
        var home = monitors.Single(m => m.Resources.Contains("hangs"));
        Assert.That(home.Dedicated, Is.True);
        Assert.That(home.Resources, Is.EqualTo(new[] { "hangs" }));
        Assert.That(monitors.Single(m => m.Id == 0).Resources, Is.EqualTo(new[] { "bystander" }));
        Assert.That(monitors.Single(m => m.Id == 0).Pid, Is.Not.EqualTo(sharedPid));
    }

    [Test]
    public async Task Crash_in_Online_takes_down_only_its_rhs_and_is_reported()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("steady", "FaultInjection", separate: true));
        await harness.Manager.OpenAsync(MonitorHarness.Spec("crashes", "FaultInjection", new() { ["CrashIn"] = "Online" }));

        Assert.ThrowsAsync<Cluster.Protocol.ClusterException>(() => harness.Manager.OnlineAsync("crashes"));

        var failed = await harness.WaitForAsync(e => e.Resource == "crashes" && e.NewState == ResourceState.Failed, "the crash reported");
        Assert.That(failed.Cause, Is.EqualTo(MonitorManager.RhsTerminatedCause));
        Assert.That(harness.Manager.ListResources().Single(r => r.Name == "steady").State, Is.EqualTo(ResourceState.Online));
    }

    [Test]
    public async Task Failure_reported_by_the_dll_on_its_own_fails_the_resource()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("flaky", "FaultInjection", new() { ["FailAfterMs"] = "100" }));

        var failed = await harness.WaitForAsync(e => e.Resource == "flaky" && e.NewState == ResourceState.Failed, "the reported failure");

        Assert.That(failed.Cause, Does.Contain("injected failure after 100 ms"));
        Assert.That(failed.EventId, Is.EqualTo(1069));
    }

    [Test]
    public async Task Application_killed_from_outside_fails_its_resource()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("app", "GenericApplication", new() { ["CommandLine"] = "sleep 600" }));
        var pid = await harness.WaitForApplicationPidAsync("app");

        Process.Start("kill", ["-9", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();

        var failed = await harness.WaitForAsync(e => e.Resource == "app" && e.NewState == ResourceState.Failed, "the application's death");
        Assert.That(failed.Cause, Does.Contain($"process {pid} exited"));
    }

    [Test]
    public async Task Online_after_a_failure_waits_for_the_terminate_that_follows_it()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("fi", "FaultInjection", new() { ["FailAfterMs"] = "100", ["TerminateDelayMs"] = "500" }));
        await harness.WaitForAsync(e => e.Resource == "fi" && e.NewState == ResourceState.Failed, "the failure");

        // A Terminate follows the failure and takes 500 ms; this Online must not overtake it.
        Assert.That(await harness.Manager.OnlineAsync("fi"), Is.EqualTo(ResourceState.Online));

        await harness.WaitForAsync(e => e.Kind == MonitorEventKind.ResourceLog && e.Cause == "terminated", "the terminate logged");
        var lines = harness.Seen.Where(e => e.Kind == MonitorEventKind.ResourceLog && e.Cause is "online" or "terminated").Select(e => e.Cause).ToList();
        Assert.That(lines, Is.EqualTo(new[] { "online", "terminated", "online" }));
    }

    [Test]
    public async Task Replacement_rhs_is_the_warm_standby_and_a_new_standby_follows()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("fi", "FaultInjection"));
        await harness.Manager.WaitForStandbyAsync();
        var standby = harness.Manager.StandbyPid;
        var shared = harness.Manager.ListMonitors().Single().Pid!.Value;
        Assert.That(standby, Is.Not.Null.And.Not.EqualTo(shared));

        harness.Manager.KillMonitor(MonitorManager.SharedMonitorId);
        await harness.WaitForAsync(e => e.Kind == MonitorEventKind.RhsStarted && e.Pid == standby, "the standby to take over");
        Assert.That(await harness.Manager.OnlineAsync("fi"), Is.EqualTo(ResourceState.Online));

        Assert.That(harness.Manager.ListMonitors().Single().Pid, Is.EqualTo(standby));
        await harness.Manager.WaitForStandbyAsync();
        Assert.That(harness.Manager.StandbyPid, Is.Not.Null.And.Not.EqualTo(standby));
    }

    [Test]
    public async Task Pending_that_stops_reporting_progress_fails_at_PendingTimeout()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.Manager.OpenAsync(MonitorHarness.Spec("stalls", "FaultInjection", new()
        {
            ["PendingSteps"] = "3", ["PendingStepMs"] = "100", ["PendingStall"] = "true",
        }));

        Assert.That(await harness.Manager.OnlineAsync("stalls"), Is.EqualTo(ResourceState.OnlinePending));

        var failed = await harness.WaitForAsync(e => e.Resource == "stalls" && e.NewState == ResourceState.Failed, "the pending timeout");
        Assert.That(failed.Cause, Is.EqualTo("no progress within PendingTimeout (1000 ms)"), "the RHS kept the resource's own timeout");
    }

    [Test]
    public async Task A_new_PendingTimeout_reaches_the_rhs_and_holds_from_the_next_transition()
    {
        await using var harness = await MonitorHarness.StartAsync();
        var spec = MonitorHarness.Spec("stalls", "FaultInjection", new() { ["PendingSteps"] = "2", ["PendingStepMs"] = "50", ["PendingStall"] = "true" });
        await harness.Manager.OpenAsync(spec);

        await harness.Manager.RetimeAsync(spec with { PendingTimeout = TimeSpan.FromMilliseconds(1500) });
        Assert.That(await harness.Manager.OnlineAsync("stalls"), Is.EqualTo(ResourceState.OnlinePending));

        var failed = await harness.WaitForAsync(e => e.Resource == "stalls" && e.NewState == ResourceState.Failed, "the pending timeout");
        Assert.That(failed.Cause, Is.EqualTo("no progress within PendingTimeout (1500 ms)"));
    }

    [Test]
    public async Task Pending_that_progresses_ends_online()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.Manager.OpenAsync(MonitorHarness.Spec("slow", "FaultInjection", new() { ["PendingSteps"] = "3", ["PendingStepMs"] = "50" }));

        Assert.That(await harness.Manager.OnlineAsync("slow"), Is.EqualTo(ResourceState.OnlinePending));

        await harness.WaitForAsync(e => e.Resource == "slow" && e.NewState == ResourceState.Online, "Online after the steps");
    }

    [Test]
    public async Task Failing_IsAlive_fails_the_resource()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("flaps", "FaultInjection", new() { ["FlapIntervalMs"] = "150" }));

        var failed = await harness.WaitForAsync(e => e.Resource == "flaps" && e.NewState == ResourceState.Failed, "IsAlive to fail");
        Assert.That(failed.Cause, Does.Contain("IsAlive"));
    }

    [Test]
    public async Task Open_that_misses_DeadlockTimeout_is_a_deadlock_and_the_resource_is_opened_in_its_own_monitor_next_time()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("bystander", "FaultInjection"));
        var sharedPid = harness.Manager.ListMonitors().Single(m => m.Id == MonitorManager.SharedMonitorId).Pid;

        var error = Assert.ThrowsAsync<Cluster.Protocol.ClusterException>(() =>
            harness.Manager.OpenAsync(MonitorHarness.Spec("slow-open", "FaultInjection", new() { ["HangIn"] = "Open" })));

        Assert.That(error!.Kind, Is.EqualTo(Cluster.Protocol.ClusterErrorKind.Aborted));
        var deadlock = await harness.WaitForAsync(e => e.Kind == MonitorEventKind.Deadlock, "a deadlock (1230)");
        Assert.That(deadlock.Resource, Is.EqualTo("slow-open"));
        Assert.That(deadlock.EventId, Is.EqualTo(1230));
        Assert.That(deadlock.Cause, Does.StartWith("Open of slow-open did not return within"));
        await harness.WaitForAsync(e => e.Kind == MonitorEventKind.RhsTerminated && e.Pid == sharedPid, "the hung RHS terminated (1146)");
        Assert.That(harness.Manager.ListResources().Select(r => r.Name), Is.EqualTo(new[] { "bystander" }), "a late Open is not left behind");
        await harness.WaitForAsync(e => e.Kind == MonitorEventKind.RhsStarted && e.MonitorId == MonitorManager.SharedMonitorId && e.Pid != sharedPid,
            "a replacement shared RHS");
        Assert.That(await harness.Manager.OnlineAsync("bystander"), Is.EqualTo(ResourceState.Online), "its neighbour is open in the replacement");

        await harness.OnlineAsync(MonitorHarness.Spec("slow-open", "FaultInjection"));
        var home = harness.Manager.ListMonitors().Single(m => m.Resources.Contains("slow-open"));
        Assert.That(home.Dedicated, Is.True, "a resource that hung once hangs only itself from then on");
    }

    [Test]
    public async Task Calls_during_a_deadlock_recycle_wait_for_their_resource_to_be_open_again_instead_of_failing_again()
    {
        await using var harness = await MonitorHarness.StartAsync();
        string[] names = ["hangs", "one", "two"];
        foreach (var name in names)
        {
            await harness.OnlineAsync(MonitorHarness.Spec(name, "FaultInjection"));
        }

        await harness.Manager.ControlAsync("hangs", "Set", new Dictionary<string, string> { ["HangIn"] = "IsAlive" }); // this once: not its properties
        await harness.WaitForAsync(e => e.Kind == MonitorEventKind.Deadlock && e.Resource == "hangs", "the deadlock (1230)");
        foreach (var name in names)
        {
            await harness.WaitForAsync(e => e.Resource == name && e.NewState == ResourceState.Failed, $"{name} failed with its RHS");
        }

        // At once, as the RCM's restarts do: each waits until its resource is open again, the culprit in its new monitor.
        var states = await Task.WhenAll(names.Select(name => harness.Manager.OnlineAsync(name)));

        Assert.That(states, Is.All.EqualTo(ResourceState.Online));
        Assert.That(names.Select(name => harness.Seen.Count(e => e.Resource == name && e.NewState == ResourceState.Failed)), Is.All.EqualTo(1),
            "one failure each, for the recycle");
        Assert.That(harness.Manager.ListMonitors().Single(m => m.Resources.Contains("hangs")).Dedicated, Is.True);
    }

    [Test]
    public async Task An_offline_resource_stays_offline_when_its_rhs_is_killed_and_can_start_in_the_replacement()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("running", "FaultInjection"));
        await harness.Manager.OpenAsync(MonitorHarness.Spec("parked", "FaultInjection")); // an administrator's Offline
        var shared = harness.Manager.ListMonitors().Single(m => m.Id == MonitorManager.SharedMonitorId);

        harness.Manager.KillMonitor(shared.Id);

        await harness.WaitForAsync(e => e.Resource == "running" && e.NewState == ResourceState.Failed, "the running one failed");
        await harness.WaitForAsync(e => e.Kind == MonitorEventKind.RhsStarted && e.Pid != shared.Pid, "a replacement");
        Assert.That(harness.Seen.Any(e => e.Resource == "parked" && e.NewState == ResourceState.Failed), Is.False, "nothing of it ran, nothing failed");
        Assert.That(harness.Manager.ListResources().Single(r => r.Name == "parked").State, Is.EqualTo(ResourceState.Offline));
        Assert.That(await harness.Manager.OnlineAsync("parked"), Is.EqualTo(ResourceState.Online), "it is open in the replacement");
    }

    [Test]
    public async Task Applications_run_in_a_session_of_their_own_out_of_reach_of_a_terminals_ctrl_c()
    {
        await using var harness = await MonitorHarness.StartAsync();
        await harness.OnlineAsync(MonitorHarness.Spec("app", "GenericApplication", new() { ["CommandLine"] = "sleep 7801" }));
        var app = await harness.WaitForApplicationPidAsync("app");
        var rhs = harness.Manager.ListMonitors().Single(m => m.Resources.Contains("app")).Pid!.Value;

        Assert.That(SessionOf(app), Is.Not.EqualTo(SessionOf(rhs)), "SIGINT to the terminal's process group stops at the RHS");
        Assert.That(SessionOf(app), Is.Not.EqualTo(SessionOf(Environment.ProcessId)));
    }

    /// <summary>The session id of a process (/proc/PID/stat, field 6).</summary>
    private static int SessionOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture);
    }
}
