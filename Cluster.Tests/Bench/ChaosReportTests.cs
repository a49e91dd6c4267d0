using Cluster.Service.Bench;

namespace Cluster.Tests.Bench;

/// <summary>What a fault campaign reports about failovers: the figures, the slowest with their context, and what is left out.</summary>
[TestFixture]
public sealed class ChaosReportTests
{
    private static readonly DateTime At = new(2026, 12, 6, 0, 25, 34, 789, DateTimeKind.Utc);

    [Test]
    public void Failovers_whose_node_came_back_first_are_left_out_of_the_figures_and_counted_apart()
    {
        var report = Report(
            Failover("alpha", 1000),
            Failover("beta", 2000),
            Failover("alpha", 3000),
            Failover("alpha", 15_126) with { NodeReturnedFirst = true });

        var text = Write(report);

        Assert.That(text, Does.Contain("after an owner fault (3): median 2000 ms, p90 3000 ms, max 3000 ms"));
        Assert.That(text, Does.Contain("not counted (1): the node came back before its group moved"));
        Assert.That(text, Does.Not.Contain("15126"), "the undone fault is not among the slowest either");
    }

    [Test]
    public void The_slowest_failovers_are_listed_with_their_group_node_fault_and_time()
    {
        var report = Report([.. Enumerable.Range(1, 7).Select(i => Failover(i % 2 == 0 ? "alpha" : "beta", i * 100))]);

        var slow = Write(report).Split('\n').Where(l => l.Contains("slow:", StringComparison.Ordinal)).ToList();

        Assert.That(slow, Has.Count.EqualTo(5), "the five slowest");
        Assert.That(slow[0].Trim(), Is.EqualTo("slow: beta off n1 after node isolate at 00:25:34.789 (1 other node(s) down): 700 ms"));
        Assert.That(slow[^1], Does.EndWith("300 ms"));
    }

    [Test]
    public void A_group_that_stayed_because_its_node_came_back_is_told_apart_from_one_that_did_not_move_at_all()
    {
        var stayed = Failover("alpha", 30_000) with { NodeReturnedFirst = true };
        var stuck = Failover("beta", 30_000) with { Fault = "node kill" };
        var report = Report(Failover("alpha", 1000)) with { FailoverTimeouts = [stayed, stuck] };

        var text = Write(report);

        Assert.That(text, Does.Contain("stayed (1): not online elsewhere within 30 s, and its node came back meanwhile"));
        Assert.That(text, Does.Contain("NOT online elsewhere within 30 s while its node was still down (1):\n  beta off n1 after node kill at 00:25:34.789 (1 other node(s) down then)"));
        Assert.That(text, Does.Contain("after an owner fault (1): median 1000 ms"), "neither is in the figures");
    }

    [Test]
    public void A_slow_failover_names_the_faults_that_struck_while_it_was_under_way()
    {
        var report = Report(Failover("alpha", 2118) with { Fault = "node kill" }) with
        {
            Steps =
            [
                new(At, "node kill n1"),
                new(At.AddMilliseconds(1163), "node kill n2"),
                new(At.AddMilliseconds(3000), "recovery: node start n1"),
            ],
        };

        var slow = Write(report).Split('\n').Single(l => l.Contains("slow:", StringComparison.Ordinal));

        Assert.That(slow.Trim(), Is.EqualTo("slow: alpha off n1 after node kill at 00:25:34.789 (1 other node(s) down): 2118 ms; meanwhile node kill n2 at 00:25:35.952"));
    }

    [Test]
    public void A_node_that_ended_while_frozen_fails_the_campaign()
    {
        var report = Report(Failover("alpha", 1000)) with { NodesLost = ["n1 ended while frozen (exit code 129)"] };

        var text = Write(report);

        Assert.That(report.Passed, Is.False);
        Assert.That(text, Does.Contain("NODE LOST: n1 ended while frozen (exit code 129)").And.Contain("FAILED"));
    }

    private static ChaosFailover Failover(string group, int ms) => new(group, "n1", "node isolate", At, 1, TimeSpan.FromMilliseconds(ms));

    private static ChaosReport Report(params ChaosFailover[] failovers) =>
        new(1, failovers.Length, new Dictionary<string, int>(), failovers, [], 1000, [], true, [], TimeSpan.FromMinutes(1), null);

    private static string Write(ChaosReport report)
    {
        using var output = new StringWriter();
        report.WriteTo(output);
        return output.ToString().ReplaceLineEndings("\n");
    }
}
