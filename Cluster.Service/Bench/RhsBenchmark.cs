using System.Diagnostics;
using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol.Types.V1;
using Cluster.Protocol;
using Cluster.Service.Admin;
using Cluster.Service.Monitors;
using Cluster.Service.Rcm;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Service.Bench;

/// <summary>
/// `cluster bench rhs`: how fast the monitor manager notices and recovers from killed processes,
/// with real RHS and application processes. The node side is this process's own MonitorManager.
/// </summary>
internal static class RhsBenchmark
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(int trials, TextWriter output, CancellationToken cancellationToken)
    {
        var manager = new MonitorManager(new MonitorOptions { DeadlockTimeout = TimeSpan.FromSeconds(5) }, NullLoggerFactory.Instance);
        var rcm = new ResourceControlManager(manager, TimeProvider.System, NullLoggerFactory.Instance);
        var recorder = new MonitorEventRecorder(manager, rcm.OnMonitorEvent);
        var noticed = new List<TimeSpan>();
        var serving = new List<TimeSpan>();
        var appFailed = new List<TimeSpan>();
        var restarted = new List<TimeSpan>();
        var restartedAfterDelay = new List<TimeSpan>();
        var hangOvershoot = new List<TimeSpan>();
        var checkHangOvershoot = new List<TimeSpan>();
        await using (recorder.ConfigureAwait(false))
        {
            await using (manager.ConfigureAwait(false))
            await using (rcm.ConfigureAwait(false))
            {
                await manager.StartAsync(cancellationToken).ConfigureAwait(false);
                // fi is not under the RCM: the benchmark itself brings it back, to time the replacement RHS.
                await manager.OpenAsync(Spec("fi", "FaultInjection", [], separate: false)).ConfigureAwait(false);
                await manager.OnlineAsync("fi").ConfigureAwait(false);
                // The applications are under the RCM, each in a group of its own and a dedicated RHS. The
                // threshold is raised so that the trials do not exhaust it; the delays are the measured variable.
                await HostApplicationAsync(rcm, "app", TimeSpan.Zero).ConfigureAwait(false);
                await HostApplicationAsync(rcm, "app-delayed", new RestartPolicy().Delay).ConfigureAwait(false);

                for (var trial = 0; trial < trials && !cancellationToken.IsCancellationRequested; trial++)
                {
                    // Steady state: kills in real life come further apart than a standby RHS takes to start.
                    await manager.WaitForStandbyAsync().ConfigureAwait(false);
                    var (toNotice, toServe) = await KillSharedRhsAsync(manager, recorder).ConfigureAwait(false);
                    noticed.Add(toNotice);
                    serving.Add(toServe);
                    var (failed, running) = await KillApplicationAsync(manager, recorder, "app").ConfigureAwait(false);
                    appFailed.Add(failed);
                    restarted.Add(running);
                    restartedAfterDelay.Add((await KillApplicationAsync(manager, recorder, "app-delayed").ConfigureAwait(false)).Running);
                    hangOvershoot.Add(await HangAsync(manager, recorder, trial).ConfigureAwait(false));
                    checkHangOvershoot.Add(await HangInCheckAsync(manager, recorder, trial).ConfigureAwait(false));
                }
            }
        }

        output.WriteLine($"{trials} trials each; real RHS and application processes; times from the kill(2) call; each trial starts with the warm standby RHS ready");
        output.WriteLine($"{"measurement",-55} {"median ms",10} {"max ms",10}");
        Report(output, "kill -9 RHS -> node notices (event 1146)", noticed);
        Report(output, "kill -9 RHS -> replacement serves its resources", serving);
        Report(output, "kill -9 application -> resource Failed", appFailed);
        Report(output, "kill -9 application -> running again (delay 0)", restarted);
        Report(output, "kill -9 application -> running again (delay 500)", restartedAfterDelay);
        Report(output, $"hang in Online -> 1230, beyond DeadlockTimeout {HangDeadlock.TotalMilliseconds:0} ms", hangOvershoot);
        Report(output, $"hang in LooksAlive (run by the RHS) -> 1230, beyond {CheckHangDeadlock.TotalMilliseconds:0} ms", checkHangOvershoot);
        var (coldHandshake, coldFirstCall) = await ColdRhs.MeasureAsync(Math.Min(trials, 10), cancellationToken).ConfigureAwait(false);
        Report(output, $"cold RHS: exec -> handshake ({coldHandshake.Count} trials)", coldHandshake);
        Report(output, $"cold RHS: exec -> first call served ({coldFirstCall.Count} trials)", coldFirstCall);
        var nodeKill = await NodeKill.MeasureAsync(Math.Min(trials, 5), cancellationToken).ConfigureAwait(false);
        Report(output, $"kill -9 node -> its RHS and apps gone ({nodeKill.Count} trials)", nodeKill);
        var (node, rhs) = await NodeMemory.MeasureAsync(cancellationToken).ConfigureAwait(false);
        output.WriteLine(
            $"RSS of an idle node (no resources): node {node / 1024.0:0.0} MiB + {rhs.Count} RHS (shared, warm standby) "
            + $"{string.Join(" + ", rhs.Select(r => $"{r / 1024.0:0.0}"))} MiB = {(node + rhs.Sum()) / 1024.0:0.0} MiB");
        return 0;
    }

    private static async Task<(TimeSpan Notice, TimeSpan Serve)> KillSharedRhsAsync(MonitorManager manager, MonitorEventRecorder recorder)
    {
        var pid = manager.ListMonitors().Single(m => m.Id == MonitorManager.SharedMonitorId).Pid!.Value;
        using var victim = Process.GetProcessById(pid);
        var killedAt = Stopwatch.GetTimestamp();
        victim.Kill();
        var (_, noticedAt) = await recorder.WaitForAsync(
            e => e.Kind == MonitorEventKind.RhsTerminated && e.Pid == pid, "the RHS death", s_wait).ConfigureAwait(false);
        // Online waits until the monitor serves again, i.e. until the resource was re-opened in the replacement.
        await manager.OnlineAsync("fi").ConfigureAwait(false);
        var servingAt = Stopwatch.GetTimestamp();
        return (Stopwatch.GetElapsedTime(killedAt, noticedAt), Stopwatch.GetElapsedTime(killedAt, servingAt));
    }

    private static readonly TimeSpan HangDeadlock = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A resource that hangs in Online, in an RHS of its own: how long after its DeadlockTimeout the
    /// deadlock (event 1230) is declared. Then the resource is closed again.
    /// </summary>
    private static async Task<TimeSpan> HangAsync(MonitorManager manager, MonitorEventRecorder recorder, int trial)
    {
        var name = $"hang-{trial}";
        var spec = Spec(name, "FaultInjection", new() { ["HangIn"] = "Online" }, separate: true) with { DeadlockTimeout = HangDeadlock };
        await manager.OpenAsync(spec).ConfigureAwait(false);
        var calledAt = Stopwatch.GetTimestamp();
        try
        {
            await manager.OnlineAsync(name).ConfigureAwait(false);
        }
        catch (ClusterException)
        {
            // Expected: the call deadlocked.
        }

        var (_, declaredAt) = await recorder.WaitForAsync(
            e => e.Kind == MonitorEventKind.Deadlock && e.Resource == name, "the deadlock", s_wait).ConfigureAwait(false);
        await manager.CloseAsync(name).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(calledAt, declaredAt) - HangDeadlock;
    }

    private static readonly TimeSpan CheckHangDeadlock = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A resource whose LooksAlive (every 50 ms, run by its RHS) starts to hang: how long after the hang
    /// began plus DeadlockTimeout the node declares the deadlock from the calls in flight its ping lists.
    /// The hang begins at the first LooksAlive after the Set, so the figure includes up to 50 ms of waiting for it.
    /// </summary>
    private static async Task<TimeSpan> HangInCheckAsync(MonitorManager manager, MonitorEventRecorder recorder, int trial)
    {
        var name = $"check-hang-{trial}";
        var spec = Spec(name, "FaultInjection", [], separate: true) with
        {
            DeadlockTimeout = CheckHangDeadlock, LooksAlivePollInterval = TimeSpan.FromMilliseconds(50), IsAlivePollInterval = TimeSpan.FromMinutes(10),
        };
        await manager.OpenAsync(spec).ConfigureAwait(false);
        await manager.OnlineAsync(name).ConfigureAwait(false);
        await manager.ControlAsync(name, "Set", new Dictionary<string, string> { ["HangIn"] = "LooksAlive" }).ConfigureAwait(false);
        var setAt = Stopwatch.GetTimestamp();
        var (_, declaredAt) = await recorder.WaitForAsync(
            e => e.Kind == MonitorEventKind.Deadlock && e.Resource == name, "the deadlock", s_wait).ConfigureAwait(false);
        try
        {
            await manager.CloseAsync(name).ConfigureAwait(false);
        }
        catch (ClusterException)
        {
            // Its dedicated monitor is being replaced: the close may fail, and it is forgotten all the same.
        }

        return Stopwatch.GetElapsedTime(setAt, declaredAt) - CheckHangDeadlock;
    }

    /// <summary>Kills the application; times its Failed event and the RCM's restart (Online again), both from the kill.</summary>
    private static async Task<(TimeSpan Failed, TimeSpan Running)> KillApplicationAsync(MonitorManager manager, MonitorEventRecorder recorder, string resource)
    {
        var pid = await ApplicationPidAsync(manager, resource).ConfigureAwait(false);
        using var victim = Process.GetProcessById(pid);
        var killedAt = Stopwatch.GetTimestamp();
        victim.Kill();
        var (failed, failedAt) = await recorder.WaitForAsync(
            e => e.Resource == resource && e.NewState == ResourceState.Failed && e.Cause.Contains($"process {pid} ", StringComparison.Ordinal),
            "the application's failure", s_wait).ConfigureAwait(false);
        var (_, runningAt) = await recorder.WaitForAsync(
            e => e.Resource == resource && e.NewState == ResourceState.Online && e.Time > failed.Time,
            "the application running again", s_wait).ConfigureAwait(false);
        return (Stopwatch.GetElapsedTime(killedAt, failedAt), Stopwatch.GetElapsedTime(killedAt, runningAt));
    }

    private static async Task HostApplicationAsync(ResourceControlManager rcm, string name, TimeSpan delay)
    {
        var spec = Spec(name, "GenericApplication", new() { ["CommandLine"] = "sleep 3600" }, separate: true);
        await rcm.HostGroupAsync(
            GroupDefinition.Create(name, [new ResourceDefinition(name, [], new RestartPolicy { Delay = delay, Threshold = 1_000_000 })]),
            new Dictionary<string, ResourceSpec> { [name] = spec }).ConfigureAwait(false);
    }

    private static async Task<int> ApplicationPidAsync(MonitorManager manager, string resource)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(s_wait.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (manager.ListResources().SingleOrDefault(r => r.Name == resource) is { State: ResourceState.Online, ApplicationPid: { } pid })
            {
                return pid;
            }

            await Task.Delay(5).ConfigureAwait(false);
        }

        throw new TimeoutException("The application did not come back online.");
    }

    private static ResourceSpec Spec(string name, string type, Dictionary<string, string> properties, bool separate) => new()
    {
        Name = name,
        Type = new ResourceTypeRef { Name = type, DllPath = BuiltInResourceTypes.DllPath },
        Properties = properties,
        SeparateMonitor = separate,
        DeadlockTimeout = TimeSpan.FromSeconds(5),
    };

    private static void Report(TextWriter output, string what, List<TimeSpan> samples)
    {
        var summary = new LatencySummary(samples);
        output.WriteLine($"{what,-55} {summary.MedianMicroseconds / 1000,10:0.00} {summary.MaxMicroseconds / 1000,10:0.00}");
    }
}
