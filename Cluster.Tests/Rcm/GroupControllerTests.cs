using Cluster.Protocol.Types.V1;
using Cluster.Service.Rcm;

namespace Cluster.Tests.Rcm;

/// <summary>The RCM's policy, driven directly: no processes, no sleeps, time as explicit instants.</summary>
[TestFixture]
public sealed class GroupControllerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    // disk <- ip <- name <- app, and a lone "share": the Exchange shape in miniature.
    private static GroupDefinition Exchange(RestartPolicy? appPolicy = null, RestartPolicy? diskPolicy = null) => GroupDefinition.Create("EVS1",
    [
        new ResourceDefinition("disk", [], diskPolicy ?? new RestartPolicy()),
        new ResourceDefinition("ip", "disk"),
        new ResourceDefinition("name", "ip"),
        new ResourceDefinition("app", ["name"], appPolicy ?? new RestartPolicy()),
        new ResourceDefinition("share"),
    ]);

    [Test]
    public void Online_follows_dependency_order_with_independent_branches_together()
    {
        var rcm = new Checked(new GroupController(Exchange()));

        Assert.That(rcm.Start(T0), Is.EquivalentTo(new[] { "online disk", "online share" }));
        Assert.That(rcm.Report("disk", ResourceState.Online, T0), Is.EqualTo(new[] { "online ip" }));
        Assert.That(rcm.Report("share", ResourceState.Online, T0), Is.Empty);
        Assert.That(rcm.Report("ip", ResourceState.Online, T0), Is.EqualTo(new[] { "online name" }));
        Assert.That(rcm.Report("name", ResourceState.Online, T0), Is.EqualTo(new[] { "online app" }));
        Assert.That(rcm.Controller.State, Is.EqualTo(GroupState.Pending));
        rcm.Report("app", ResourceState.Online, T0);

        Assert.That(rcm.Controller.State, Is.EqualTo(GroupState.Online));
    }

    [Test]
    public void Every_Online_and_Offline_call_comes_with_its_reason_for_the_cluster_log()
    {
        var rcm = new Checked(new GroupController(Exchange()));

        rcm.Start(T0);
        rcm.Report("disk", ResourceState.Online, T0);
        Assert.That(rcm.Notes, Does.Contain("calls Online on disk: persisted Online, reported Offline, no dependencies"));
        Assert.That(rcm.Notes, Does.Contain("calls Online on ip: persisted Online, reported Offline, its dependencies Online (disk)"));

        rcm.Report("ip", ResourceState.Online, T0);
        rcm.Report("name", ResourceState.Online, T0);
        rcm.Report("app", ResourceState.Online, T0);
        rcm.Report("share", ResourceState.Online, T0);
        rcm.Report("ip", ResourceState.Failed, T0);
        Assert.That(rcm.Notes, Does.Contain("calls Offline on app: a resource it depends on is down or going down"));

        rcm.SetPersistent("share", online: false, T0);
        Assert.That(rcm.Notes, Does.Contain("calls Offline on share: its persistent state is Offline"));
    }

    [Test]
    public void Offline_goes_in_reverse_dependency_order_and_is_left_alone()
    {
        var rcm = Online(Exchange());

        Assert.That(rcm.SetPersistent(null, online: false, T0), Is.EquivalentTo(new[] { "offline app", "offline share" }));
        Assert.That(rcm.Report("app", ResourceState.Offline, T0), Is.EqualTo(new[] { "offline name" }));
        Assert.That(rcm.Report("name", ResourceState.Offline, T0), Is.EqualTo(new[] { "offline ip" }));
        Assert.That(rcm.Report("ip", ResourceState.Offline, T0), Is.EqualTo(new[] { "offline disk" }));
        rcm.Report("disk", ResourceState.Offline, T0);
        rcm.Report("share", ResourceState.Offline, T0);

        Assert.That(rcm.Controller.State, Is.EqualTo(GroupState.Offline));
        Assert.That(rcm.OnTimer(T0 + TimeSpan.FromHours(2)), Is.Empty, "an administrator's Offline is not undone");
    }

    [Test]
    public void Administrators_offline_of_one_resource_takes_its_dependants_and_leaves_them_alone()
    {
        var rcm = Online(Exchange());

        Assert.That(rcm.SetPersistent("name", online: false, T0), Is.EqualTo(new[] { "offline app" }));
        Assert.That(rcm.Report("app", ResourceState.Offline, T0), Is.EqualTo(new[] { "offline name" }));
        Assert.That(rcm.Report("name", ResourceState.Offline, T0), Is.Empty);

        Assert.That(rcm.Controller.PersistedOnline("app"), Is.False);
        Assert.That(rcm.Controller.PersistedOnline("ip"), Is.True);
        Assert.That(rcm.SetPersistent("app", online: true, T0), Is.EqualTo(new[] { "online name" }), "Online brings what it needs first");
    }

    [Test]
    public void Persisted_online_but_reported_offline_is_brought_online_without_counting_a_failure()
    {
        var rcm = Online(Exchange(appPolicy: new RestartPolicy { Threshold = 0 }));

        Assert.That(rcm.Report("app", ResourceState.Offline, T0), Is.EqualTo(new[] { "online app" }));
        Assert.That(rcm.Controller.State, Is.Not.EqualTo(GroupState.Failed));
    }

    [Test]
    public void RestartAction_0_leaves_the_resource_failed()
    {
        var rcm = Online(Exchange(appPolicy: new RestartPolicy { Action = RestartAction.DoNotRestart }));

        Assert.That(rcm.Report("app", ResourceState.Failed, T0), Is.Empty);
        Assert.That(rcm.OnTimer(T0 + TimeSpan.FromDays(1)), Is.Empty);
        Assert.That(rcm.Controller.State, Is.EqualTo(GroupState.Failed));
        Assert.That(rcm.Notes, Has.Some.Contains("RestartAction 0"));
    }

    [Test]
    public void Restart_is_a_call_to_Online_after_RestartDelay()
    {
        var rcm = Online(Exchange(appPolicy: new RestartPolicy { Delay = TimeSpan.FromMilliseconds(500) }));

        Assert.That(rcm.Report("app", ResourceState.Failed, T0), Is.Empty, "not before the delay");
        Assert.That(rcm.Controller.NextDeadline, Is.EqualTo(T0 + TimeSpan.FromMilliseconds(500)));
        Assert.That(rcm.OnTimer(T0 + TimeSpan.FromMilliseconds(499)), Is.Empty);
        Assert.That(rcm.OnTimer(T0 + TimeSpan.FromMilliseconds(500)), Is.EqualTo(new[] { "online app" }));
    }

    [Test]
    public void RestartDelay_zero_restarts_at_once()
    {
        var rcm = Online(Exchange(appPolicy: new RestartPolicy { Delay = TimeSpan.Zero }));

        Assert.That(rcm.Report("app", ResourceState.Failed, T0), Is.EqualTo(new[] { "online app" }));
    }

    [Test]
    public void RestartAction_2_past_the_threshold_within_the_period_fails_the_group_over()
    {
        var rcm = Online(Exchange(appPolicy: new RestartPolicy { Threshold = 2, Delay = TimeSpan.Zero }));

        var now = T0;
        for (var restart = 1; restart <= 2; restart++)
        {
            now += TimeSpan.FromMinutes(1);
            Assert.That(rcm.Report("app", ResourceState.Failed, now), Is.EqualTo(new[] { "online app" }), $"restart {restart}");
            rcm.Report("app", ResourceState.Online, now);
        }

        now += TimeSpan.FromMinutes(1);
        var actions = rcm.Report("app", ResourceState.Failed, now);

        Assert.That(actions, Does.Contain("failover app").And.Contain("offline share").And.Contain("offline name"));
        Assert.That(actions, Has.None.StartsWith("online"));
        Assert.That(rcm.Controller.State, Is.EqualTo(GroupState.Failed));
        Assert.That(rcm.NoteIds, Does.Contain(1205).And.Contain(1069));
    }

    [Test]
    public void Failures_further_apart_than_RestartPeriod_never_exhaust_the_threshold()
    {
        var rcm = Online(Exchange(appPolicy: new RestartPolicy { Threshold = 1, Delay = TimeSpan.Zero, Period = TimeSpan.FromMinutes(15) }));

        var now = T0;
        for (var failure = 0; failure < 5; failure++)
        {
            now += TimeSpan.FromMinutes(16);
            Assert.That(rcm.Report("app", ResourceState.Failed, now), Is.EqualTo(new[] { "online app" }));
            rcm.Report("app", ResourceState.Online, now);
        }
    }

    [Test]
    public void RestartAction_1_past_the_threshold_stays_failed_without_failover_then_retries()
    {
        var policy = new RestartPolicy
        {
            Action = RestartAction.RestartNoFailover, Threshold = 0, RetryPeriodOnFailure = TimeSpan.FromMinutes(60),
        };
        var rcm = Online(Exchange(appPolicy: policy));

        var actions = rcm.Report("app", ResourceState.Failed, T0);

        Assert.That(actions, Has.None.StartsWith("failover"));
        Assert.That(actions, Has.None.StartsWith("offline"), "the rest of the group stays up");
        Assert.That(rcm.Controller.NextDeadline, Is.EqualTo(T0 + TimeSpan.FromMinutes(60)));
        Assert.That(rcm.OnTimer(T0 + TimeSpan.FromMinutes(59)), Is.Empty);
        Assert.That(rcm.OnTimer(T0 + TimeSpan.FromMinutes(60)), Is.EqualTo(new[] { "online app" }), "RetryPeriodOnFailure");
    }

    [Test]
    public void RetryPeriodOnFailure_brings_a_failed_group_back_and_minus_one_never_does()
    {
        var retries = Online(Exchange(appPolicy: new RestartPolicy { Threshold = 0, RetryPeriodOnFailure = TimeSpan.FromHours(1) }));
        var never = Online(Exchange(appPolicy: new RestartPolicy { Threshold = 0, RetryPeriodOnFailure = null }));
        foreach (var rcm in new[] { retries, never })
        {
            rcm.Report("app", ResourceState.Failed, T0);
            foreach (var down in new[] { "name", "ip", "disk", "share" })
            {
                rcm.Report(down, ResourceState.Offline, T0);
            }
        }

        Assert.That(retries.OnTimer(T0 + TimeSpan.FromHours(1)), Is.EquivalentTo(new[] { "online disk", "online share" }));
        Assert.That(never.Controller.NextDeadline, Is.Null);
        Assert.That(never.OnTimer(T0 + TimeSpan.FromDays(30)), Is.Empty);
    }

    [Test]
    public void A_failing_dependency_takes_its_dependants_down_and_back_up_without_counting_their_failures()
    {
        var rcm = Online(Exchange(
            appPolicy: new RestartPolicy { Threshold = 0 },
            diskPolicy: new RestartPolicy { Delay = TimeSpan.FromMilliseconds(500) }));

        Assert.That(rcm.Report("disk", ResourceState.Failed, T0), Is.EqualTo(new[] { "offline app" }), "top of the chain first");
        Assert.That(rcm.Report("app", ResourceState.Offline, T0), Is.EqualTo(new[] { "offline name" }));
        Assert.That(rcm.Report("name", ResourceState.Offline, T0), Is.EqualTo(new[] { "offline ip" }));
        Assert.That(rcm.Report("ip", ResourceState.Offline, T0), Is.Empty);

        var later = T0 + TimeSpan.FromMilliseconds(500);
        Assert.That(rcm.OnTimer(later), Is.EqualTo(new[] { "online disk" }));
        Assert.That(rcm.Report("disk", ResourceState.Online, later), Is.EqualTo(new[] { "online ip" }));
        Assert.That(rcm.Report("ip", ResourceState.Online, later), Is.EqualTo(new[] { "online name" }));
        Assert.That(rcm.Report("name", ResourceState.Online, later), Is.EqualTo(new[] { "online app" }), "app (threshold 0) was never counted as failed");
        rcm.Report("app", ResourceState.Online, later);
        Assert.That(rcm.Controller.State, Is.EqualTo(GroupState.Online));
    }

    [Test]
    public void Group_online_by_the_administrator_clears_past_failures()
    {
        var rcm = Online(Exchange(appPolicy: new RestartPolicy { Threshold = 0, RetryPeriodOnFailure = null }));
        var pending = new Queue<string>(rcm.Report("app", ResourceState.Failed, T0).Where(a => a.StartsWith("offline", StringComparison.Ordinal)));
        while (pending.TryDequeue(out var action))
        {
            foreach (var next in rcm.Report(action["offline ".Length..], ResourceState.Offline, T0))
            {
                pending.Enqueue(next);
            }
        }

        Assert.That(rcm.Controller.State, Is.EqualTo(GroupState.Failed));
        Assert.That(rcm.SetPersistent(null, online: true, T0), Is.EquivalentTo(new[] { "online disk", "online share" }));
        Assert.That(rcm.Controller.State, Is.Not.EqualTo(GroupState.Failed));
    }

    [Test]
    public void Unknown_resource_is_a_clear_error() =>
        Assert.That(() => new GroupController(Exchange()).OnReported("nope", ResourceState.Online, "", T0),
            Throws.TypeOf<GroupDefinitionException>().With.Message.Contains("no resource nope"));

    [Test]
    public void Dependency_cycle_is_refused_naming_it()
    {
        var error = Assert.Throws<GroupDefinitionException>(() => GroupDefinition.Create("g",
        [
            new ResourceDefinition("a", "c"), new ResourceDefinition("b", "a"), new ResourceDefinition("c", "b"), new ResourceDefinition("d"),
        ]));

        Assert.That(error!.Message, Does.EndWith("dependency cycle among a, c, b, a."), "a needs c, c needs b, b needs a; d is no part of it");
    }

    [TestCase("elsewhere", "which is not in group g")]
    [TestCase("a", "depends on itself")]
    public void Bad_dependency_is_refused_naming_it(string dependency, string message)
    {
        var error = Assert.Throws<GroupDefinitionException>(() => GroupDefinition.Create("g", [new ResourceDefinition("a", dependency)]));

        Assert.That(error!.Message, Does.Contain(message));
    }

    [Test]
    public void Duplicate_resource_is_refused() =>
        Assert.That(() => GroupDefinition.Create("g", [new ResourceDefinition("a"), new ResourceDefinition("a")]),
            Throws.TypeOf<GroupDefinitionException>().With.Message.Contains("resource a twice"));

    private static Checked Online(GroupDefinition definition)
    {
        var rcm = new Checked(new GroupController(definition));
        var pending = new Queue<string>(rcm.Start(T0));
        while (pending.TryDequeue(out var action))
        {
            foreach (var next in rcm.Report(action["online ".Length..], ResourceState.Online, T0))
            {
                pending.Enqueue(next);
            }
        }

        Assert.That(rcm.Controller.State, Is.EqualTo(GroupState.Online));
        rcm.Notes.Clear();
        rcm.NoteIds.Clear();
        return rcm;
    }

    [Test]
    public void Redefinition_adds_a_resource_without_disturbing_those_online()
    {
        var rcm = Online(GroupDefinition.Create("g", [new ResourceDefinition("disk"), new ResourceDefinition("app", "disk")]));
        var bigger = GroupDefinition.Create("g", [new ResourceDefinition("disk"), new ResourceDefinition("app", "disk"), new ResourceDefinition("log", "disk")]);

        Assert.That(rcm.Redefine(bigger, new() { ["disk"] = true, ["app"] = true, ["log"] = true }, T0), Is.EqualTo(new[] { "online log" }));
        Assert.That(rcm.Controller.ReportedState("app"), Is.EqualTo(ResourceState.Online));
    }

    [Test]
    public void Redefinition_keeps_a_new_resource_offline_when_its_persistent_state_is_offline()
    {
        var rcm = Online(GroupDefinition.Create("g", [new ResourceDefinition("disk")]));
        var bigger = GroupDefinition.Create("g", [new ResourceDefinition("disk"), new ResourceDefinition("log", "disk")]);

        Assert.That(rcm.Redefine(bigger, new() { ["disk"] = true, ["log"] = false }, T0), Is.Empty);
        Assert.That(rcm.Controller.State, Is.EqualTo(GroupState.Online), "the wanted resources are all online");
    }

    [Test]
    public void New_dependency_on_a_resource_that_is_down_takes_the_dependant_down()
    {
        var rcm = Online(GroupDefinition.Create("g", [new ResourceDefinition("disk"), new ResourceDefinition("app")]));
        rcm.SetPersistentStates(new() { ["disk"] = false }, T0);
        rcm.Report("disk", ResourceState.Offline, T0);

        var actions = rcm.Redefine(GroupDefinition.Create("g", [new ResourceDefinition("disk"), new ResourceDefinition("app", "disk")]), new(), T0);

        Assert.That(actions, Is.EqualTo(new[] { "offline app" }));
    }

    [Test]
    public void Persistent_states_set_resource_by_resource_clear_failures_only_for_online()
    {
        var rcm = Online(GroupDefinition.Create("g", [new ResourceDefinition("r", [], new RestartPolicy { Action = RestartAction.DoNotRestart })]));
        rcm.Report("r", ResourceState.Failed, T0);
        Assert.That(rcm.Controller.State, Is.EqualTo(GroupState.Failed));

        Assert.That(rcm.SetPersistentStates(new() { ["r"] = true }, T0), Is.EqualTo(new[] { "online r" }));
        Assert.That(rcm.Notes, Has.Some.Contains("administrator set r Online"));
    }

    /// <summary>
    /// Wraps the controller: actions as short strings, notes kept aside, and on every answer the
    /// invariants checked: Online only once every dependency is Online, Offline only once every
    /// dependant is down.
    /// </summary>
    private sealed class Checked(GroupController controller)
    {
        public GroupController Controller { get; } = controller;

        public List<string> Notes { get; } = [];

        public List<int> NoteIds { get; } = [];

        public List<string> Start(DateTimeOffset now) => Check(Controller.Start(now));

        public List<string> Report(string resource, ResourceState state, DateTimeOffset now) =>
            Check(Controller.OnReported(resource, state, "test", now));

        public List<string> SetPersistent(string? resource, bool online, DateTimeOffset now) =>
            Check(Controller.SetPersistentState(resource, online, now));

        public List<string> OnTimer(DateTimeOffset now) => Check(Controller.OnTimer(now));

        public List<string> Redefine(GroupDefinition definition, Dictionary<string, bool> persisted, DateTimeOffset now) =>
            Check(Controller.Redefine(definition, persisted, now));

        public List<string> SetPersistentStates(Dictionary<string, bool> changes, DateTimeOffset now) =>
            Check(Controller.SetPersistentStates(changes, now));

        private List<string> Check(IReadOnlyList<RcmAction> actions)
        {
            var result = new List<string>();
            foreach (var action in actions)
            {
                switch (action)
                {
                    case BringOnline online:
                        foreach (var dependency in Controller.Definition.Resources[online.Resource].DependsOn)
                        {
                            Assert.That(Controller.ReportedState(dependency), Is.EqualTo(ResourceState.Online),
                                $"Online of {online.Resource} before its dependency {dependency}");
                        }

                        result.Add($"online {online.Resource}");
                        break;
                    case TakeOffline offline:
                        foreach (var dependant in Controller.Definition.Dependants[offline.Resource])
                        {
                            Assert.That(Controller.ReportedState(dependant), Is.AnyOf(ResourceState.Offline, ResourceState.Failed),
                                $"Offline of {offline.Resource} before its dependant {dependant}");
                        }

                        result.Add($"offline {offline.Resource}");
                        break;
                    case RequestFailover failover:
                        result.Add($"failover {failover.Resource}");
                        break;
                    case RcmNote note:
                        Notes.Add(note.Text);
                        if (note.EventId is { } id)
                        {
                            NoteIds.Add(id);
                        }

                        break;
                }
            }

            return result;
        }
    }
}
