using Cluster.Service.Monitors;
using Cluster.Tests.Support;

namespace Cluster.Tests.Monitors;

/// <summary>Which spec changes a hosted resource takes at once (its timings) and which need it opened again.</summary>
[TestFixture]
public sealed class ResourceSpecTests
{
    private static readonly ResourceSpec Spec = MonitorHarness.Spec("r", "FaultInjection", new() { ["OnlineDelayMs"] = "5" });

    [Test]
    public void Poll_intervals_PendingTimeout_and_DeadlockTimeout_are_timings()
    {
        Assert.That(Spec.DiffersOnlyInTimingsFrom(Spec with { LooksAlivePollInterval = TimeSpan.FromSeconds(9) }), Is.True);
        Assert.That(Spec.DiffersOnlyInTimingsFrom(Spec with { IsAlivePollInterval = null, PendingTimeout = TimeSpan.FromMinutes(9) }), Is.True);
        Assert.That(Spec.DiffersOnlyInTimingsFrom(Spec with { DeadlockTimeout = TimeSpan.FromSeconds(9) }), Is.True);
    }

    [Test]
    public void The_same_spec_or_one_with_anything_else_changed_is_not_a_timing_change()
    {
        Assert.That(Spec.DiffersOnlyInTimingsFrom(Spec with { Properties = new Dictionary<string, string> { ["OnlineDelayMs"] = "5" } }), Is.False, "equal by value");
        Assert.That(Spec.DiffersOnlyInTimingsFrom(Spec with { Properties = new Dictionary<string, string> { ["OnlineDelayMs"] = "6" } }), Is.False);
        Assert.That(Spec.DiffersOnlyInTimingsFrom(Spec with { SeparateMonitor = true, DeadlockTimeout = TimeSpan.FromSeconds(9) }), Is.False);
        Assert.That(Spec.DiffersOnlyInTimingsFrom(Spec with { Type = MonitorHarness.BuiltIn("GenericApplication") }), Is.False);
    }
}
