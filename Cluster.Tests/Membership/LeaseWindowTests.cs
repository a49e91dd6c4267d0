using Cluster.Service.Membership;

namespace Cluster.Tests.Membership;

/// <summary>What a renewal buys, at explicit instants.</summary>
[TestFixture]
public sealed class LeaseWindowTests
{
    [Test]
    public void A_renewal_sent_at_ten_seconds_buys_the_node_until_its_fence_point_and_its_rhs_half_the_margin_more()
    {
        var window = LeaseWindow.After(TimeSpan.FromSeconds(10), new MembershipOptions().LeaseTtl, new MembershipOptions().FenceMargin);

        Assert.That(window.SafeEnd, Is.EqualTo(TimeSpan.FromMilliseconds(10_750)));
        Assert.That(window.PetUntil, Is.EqualTo(TimeSpan.FromMilliseconds(10_875)));
        Assert.That(window.Lapse, Is.EqualTo(TimeSpan.FromMilliseconds(11_000)));
        Assert.That(window.Alive(TimeSpan.FromMilliseconds(10_749)), Is.True);
        Assert.That(window.Alive(TimeSpan.FromMilliseconds(10_750)), Is.False, "the node stops at its fence point, not at the lapse");
    }

    [TestCase(300, 75)]
    [TestCase(1000, 250)]
    [TestCase(30_000, 7_500)]
    public void The_node_fences_before_its_rhs_does_and_both_before_the_lease_can_lapse(int ttlMs, int marginMs)
    {
        var options = new MembershipOptions { LeaseTtl = TimeSpan.FromMilliseconds(ttlMs), FenceMargin = TimeSpan.FromMilliseconds(marginMs) };

        var window = LeaseWindow.After(TimeSpan.FromMinutes(3), options.LeaseTtl, options.FenceMargin);

        Assert.That(window.SafeEnd, Is.LessThan(window.PetUntil));
        Assert.That(window.PetUntil, Is.LessThan(window.Lapse));
        Assert.That(window.Lapse - window.PetUntil, Is.EqualTo(TimeSpan.FromMilliseconds(marginMs / 2.0)));
    }

    [Test]
    public void A_lease_granted_longer_than_asked_buys_the_longer_window()
    {
        // etcd grants 2 s to a node that asks for 1 s: the node times its fence by what it got.
        var window = LeaseWindow.After(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(250));

        Assert.That(window.SafeEnd, Is.EqualTo(TimeSpan.FromMilliseconds(11_750)));
        Assert.That(window.Lapse, Is.EqualTo(TimeSpan.FromSeconds(12)));
    }
}
