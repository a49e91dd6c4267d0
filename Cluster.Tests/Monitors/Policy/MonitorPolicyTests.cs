using Cluster.Protocol.Types.V1;
using Cluster.Service.Monitors.Policy;

namespace Cluster.Tests.Monitors.Policy;

/// <summary>What an RHS recycle does to its resources, and the replacement's back-off: pure, at explicit instants.</summary>
[TestFixture]
public sealed class MonitorPolicyTests
{
    private static readonly TimeSpan s_second = TimeSpan.FromSeconds(1);

    [Test]
    public void A_crashed_rhs_fails_each_resource_once_and_opens_them_all_again()
    {
        var plan = RecyclePlan.For(dedicatedMonitor: false, Online("web", "db", "ip"), deadlock: null);

        Assert.That(plan.ReportFailed, Is.EqualTo(new[] { "db", "ip", "web" }));
        Assert.That(plan.Reopen, Is.EqualTo(new[] { "db", "ip", "web" }));
        Assert.That(plan.MoveToDedicated, Is.Null);
        Assert.That(plan.Abandon, Is.Null);
    }

    [Test]
    public void A_deadlock_in_the_shared_monitor_moves_the_culprit_to_a_dedicated_one_and_reopens_the_rest()
    {
        var plan = RecyclePlan.For(dedicatedMonitor: false, Online("web", "db", "ip"), new Deadlock("db", "IsAlive"));

        Assert.That(plan.ReportFailed, Is.EqualTo(new[] { "db", "ip", "web" }), "each counts one restart, the culprit too");
        Assert.That(plan.Reopen, Is.EqualTo(new[] { "ip", "web" }));
        Assert.That(plan.MoveToDedicated, Is.EqualTo("db"));
    }

    [Test]
    public void A_deadlock_in_a_dedicated_monitor_reopens_the_resource_there_unless_it_hung_in_Open()
    {
        var inIsAlive = RecyclePlan.For(dedicatedMonitor: true, Online("db"), new Deadlock("db", "IsAlive"));
        Assert.That(inIsAlive.Reopen, Is.EqualTo(new[] { "db" }));
        Assert.That(inIsAlive.MoveToDedicated, Is.Null);

        var inOpen = RecyclePlan.For(dedicatedMonitor: true, Online("db"), new Deadlock("db", "Open"));
        Assert.That(inOpen.Reopen, Is.Empty, "it would only hang again");
        Assert.That(inOpen.Abandon, Is.EqualTo("db"));
        Assert.That(inOpen.ReportFailed, Is.EqualTo(new[] { "db" }));
    }

    [Test]
    public void A_deadlock_of_a_resource_not_hosted_yet_recycles_the_rhs_for_the_others()
    {
        // Open of a new resource hung in the shared RHS: it is not among the hosted ones.
        var plan = RecyclePlan.For(dedicatedMonitor: false, Online("web"), new Deadlock("newcomer", "Open"));

        Assert.That(plan.Reopen, Is.EqualTo(new[] { "web" }));
        Assert.That(plan.MoveToDedicated, Is.Null);
    }

    [Test]
    public void An_offline_resource_is_not_reported_failed_when_its_rhs_dies_but_is_opened_again()
    {
        var hosted = new Dictionary<string, ResourceState>
        {
            ["up"] = ResourceState.Online,
            ["rising"] = ResourceState.OnlinePending,
            ["stopping"] = ResourceState.OfflinePending,
            ["down"] = ResourceState.Offline,
            ["broken"] = ResourceState.Failed,
        };

        var plan = RecyclePlan.For(dedicatedMonitor: false, hosted, deadlock: null);

        Assert.That(plan.ReportFailed, Is.EqualTo(new[] { "rising", "stopping", "up" }), "an administrator's Offline stays Offline; Failed is failed already");
        Assert.That(plan.Reopen, Is.EqualTo(new[] { "broken", "down", "rising", "stopping", "up" }));
    }

    [Test]
    public void Replacement_attempts_back_off_from_a_quarter_second_to_half_a_minute()
    {
        Assert.That(Enumerable.Range(0, 9).Select(RecoveryBackoff.After).Select(d => d.TotalMilliseconds),
            Is.EqualTo(new[] { 250.0, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000 }));
        Assert.That(RecoveryBackoff.After(int.MaxValue), Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.Throws<ArgumentOutOfRangeException>(() => RecoveryBackoff.After(-1));
    }

    private static Dictionary<string, ResourceState> Online(params string[] names) => names.ToDictionary(n => n, _ => ResourceState.Online);
}
