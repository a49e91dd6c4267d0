using Cluster.Protocol.Admin.V1;
using Cluster.Service;
using Cluster.Service.Scenarios;

namespace Cluster.Tests.Scenarios;

/// <summary>How the runner judges predicates from the nodes' events: pure functions of the history, no processes.</summary>
[TestFixture]
public sealed class ScenarioEvaluationTests
{
    private static readonly DateTimeOffset Zero = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public void A_state_holds_from_the_event_that_made_it_so()
    {
        ClusterEvent[] events = [Resource(100, "n1", "app", "OnlinePending"), Resource(250, "n1", "app", "Online")];
        var online = new StatePredicate(1, 1, SubjectKind.Resource, "app", "Online", "n1", null);

        var met = ScenarioEvaluation.FirstHolding(events, online, Us(0), Us(1000));

        Assert.That(met!.TimeUnixUs, Is.EqualTo(Us(250)));
        Assert.That(met.By, Is.SameAs(events[1]));
        Assert.That(ScenarioEvaluation.FirstHolding(events, online, Us(0), Us(200)), Is.Null, "not within the window");
        Assert.That(ScenarioEvaluation.FirstHolding(events, online, Us(300), Us(400))!.By, Is.Null, "so already when the window opened");
    }

    [Test]
    public void Restarts_are_the_policys_last_count_on_that_node()
    {
        ClusterEvent[] events =
        [
            Resource(100, "n1", "app", "Online"),
            Resource(200, "n1", "app", "Failed"),
            new() { TimeUnixUs = Us(210), Node = "n1", Component = "RCM", Group = "g", Resource = "app", Text = "restart 1 of 3", RestartCount = 1 },
            Resource(300, "n1", "app", "Online"),
        ];

        Assert.That(ScenarioEvaluation.FirstHolding(events, new StatePredicate(1, 1, SubjectKind.Resource, "app", "Online", null, 1), Us(0), Us(1000))!.TimeUnixUs,
            Is.EqualTo(Us(300)));
        Assert.That(ScenarioEvaluation.FirstHolding(events, new StatePredicate(1, 1, SubjectKind.Resource, "app", "Online", null, 2), Us(0), Us(1000)), Is.Null);
    }

    [Test]
    public void Offline_without_a_node_means_on_every_node_and_a_node_that_exited_hosts_nothing()
    {
        var history = new ScenarioHistory();
        history.Add(Group(100, "n1", "web", "Online"));
        history.AddExited("n1", Zero.AddMilliseconds(500), 1234);
        var offline = new StatePredicate(1, 1, SubjectKind.Group, "web", "Offline", null, null);

        var met = ScenarioEvaluation.FirstHolding(history.Snapshot(), offline, Us(150), Us(1000));

        Assert.That(met!.TimeUnixUs, Is.EqualTo(Us(500)));
        Assert.That(ScenarioEvaluation.FirstHolding(history.Snapshot(), offline, Us(0), Us(1000))!.By, Is.Null, "no node reported it yet: Offline");
        Assert.That(ScenarioEvaluation.SeenInstead(history.Snapshot(), offline, Us(0), Us(300)), Is.EqualTo("Online on n1"));
    }

    [Test]
    public void Events_that_arrive_late_are_judged_in_the_order_they_happened()
    {
        var history = new ScenarioHistory();
        history.Add(Group(300, "n2", "web", "Online"));
        history.Add(Group(100, "n1", "web", "Online"));
        history.Add(Group(200, "n1", "web", "Offline"));

        Assert.That(history.Snapshot().Select(e => e.TimeUnixUs), Is.EqualTo(new[] { Us(100), Us(200), Us(300) }));
        var twice = new StatePredicate(1, 1, SubjectKind.Group, "web", "Online", "n1", null);
        Assert.That(ScenarioEvaluation.FirstHolding(history.Snapshot(), twice, Us(250), Us(1000)), Is.Null, "n1 was Offline from 200 on");
        Assert.That(ScenarioEvaluation.FirstHolding(history.Snapshot(), twice, Us(150), Us(1000))!.By, Is.Null, "and Online before");
    }

    [Test]
    public void An_event_predicate_matches_id_text_subject_and_node()
    {
        var failure = new ClusterEvent { TimeUnixUs = Us(10), Node = "n2", Component = "RHS", Resource = "db", NewState = "Failed", Text = "IsAlive reported the resource dead", EventId = 1069 };

        Assert.That(new EventPredicate(1, 1, 1069, "isalive", "db", null, "n2").Matches(failure), Is.True);
        Assert.That(new EventPredicate(1, 1, 1069, null, "db", null, "n1").Matches(failure), Is.False);
        Assert.That(new EventPredicate(1, 1, 1230, null, null, null, null).Matches(failure), Is.False);
        Assert.That(new EventPredicate(1, 1, null, "deadlock", null, null, null).Matches(failure), Is.False);
    }

    [Test]
    public void An_order_holds_only_when_each_first_reached_the_state_in_that_order()
    {
        ClusterEvent[] inOrder = [Resource(10, "n1", "ip", "Online"), Resource(20, "n1", "name", "Online"), Resource(30, "n1", "app", "Online")];
        ClusterEvent[] outOfOrder = [Resource(10, "n1", "name", "Online"), Resource(20, "n1", "ip", "Online"), Resource(30, "n1", "app", "Online")];
        var order = new OrderPredicate(1, 1, ["ip", "name", "app"], "Online", "n1");

        Assert.That(ScenarioEvaluation.FirstHolding(inOrder, order, Us(0), Us(100))!.TimeUnixUs, Is.EqualTo(Us(30)));
        Assert.That(ScenarioEvaluation.FirstHolding(outOfOrder, order, Us(0), Us(100)), Is.Null);
        Assert.That(ScenarioEvaluation.SeenInstead(outOfOrder, order, Us(0), Us(100)), Is.EqualTo("name, ip, app in that order"));
    }

    [Test]
    public void Shell_words_are_what_the_process_will_show()
    {
        Assert.That(ShellWords.Split("sim-app --port 25 --banner '220 mail ready' \"a \\\"b\\\"\" c\\ d"),
            Is.EqualTo(new[] { "sim-app", "--port", "25", "--banner", "220 mail ready", "a \"b\"", "c d" }));
        Assert.Throws<FormatException>(() => ShellWords.Split("sleep 'unclosed"));
    }

    [TestCase("500ms", 500)]
    [TestCase("2s", 2000)]
    [TestCase("1.5s", 1500)]
    [TestCase("2m", 120_000)]
    [TestCase("750", 750)]
    public void Durations_are_read_with_their_unit(string text, double milliseconds) =>
        Assert.That(ScenarioDurations.TryParse(text), Is.EqualTo(TimeSpan.FromMilliseconds(milliseconds)));

    [TestCase("soon")]
    [TestCase("-1s")]
    [TestCase("1h")]
    public void Durations_that_are_not_are_refused(string text) => Assert.That(ScenarioDurations.TryParse(text), Is.Null);

    private static long Us(double milliseconds) => UnixMicroseconds.From(Zero.AddMilliseconds(milliseconds));

    private static ClusterEvent Resource(double at, string node, string resource, string state) =>
        new() { TimeUnixUs = Us(at), Node = node, Component = "RHS", Resource = resource, NewState = state, Text = "test" };

    private static ClusterEvent Group(double at, string node, string group, string state) =>
        new() { TimeUnixUs = Us(at), Node = node, Component = "RCM", Group = group, NewState = state, Text = "test" };
}
