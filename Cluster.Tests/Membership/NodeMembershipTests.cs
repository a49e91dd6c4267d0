using Cluster.Protocol.Config.V1;
using Cluster.Service.Database;
using Cluster.Service.Membership;
using Cluster.Service.Store;
using Cluster.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cluster.Tests.Membership;

/// <summary>A node's lease over the in-memory store: joining, fencing when the store is cut off, joining again.</summary>
[TestFixture]
public sealed class NodeMembershipTests
{
    private static readonly MembershipOptions s_options = new()
    {
        LeaseTtl = TimeSpan.FromMilliseconds(600),
        RenewInterval = TimeSpan.FromMilliseconds(100),
        FenceMargin = TimeSpan.FromMilliseconds(150),
    };

    [Test]
    public async Task Node_cut_off_from_the_store_fences_itself_before_its_lease_lapses_and_rejoins_with_a_new_lease()
    {
        await using var inner = SqliteClusterStore.OpenInMemory();
        var store = new IsolatableStore(inner);
        DateTimeOffset? fencedAt = null;
        var memberAtFence = false;
        var alive = 0;
        using var membership = new NodeMembership(store, new Member { Name = "n1", Pid = 1 }, s_options, NullLogger.Instance)
        {
            OnFenced = () =>
            {
                // Looked at from the fence itself: the lease must still be alive in the store.
                memberAtFence = inner.GetAsync(ConfigurationKeys.Members + "n1").GetAwaiter().GetResult() is not null;
                fencedAt = DateTimeOffset.UtcNow;
            },
            OnAlive = () => Interlocked.Increment(ref alive),
        };
        using var stop = new CancellationTokenSource();
        var running = membership.RunAsync(stop.Token);
        await Eventually.Until(() => membership.IsAlive, TimeSpan.FromSeconds(5), "the node to join");
        var firstLease = membership.Lease;
        Assert.That((await inner.GetAsync(ConfigurationKeys.Members + "n1"))?.Lease, Is.EqualTo(firstLease));

        store.Isolated = true;
        await Eventually.Until(() => fencedAt is not null, TimeSpan.FromSeconds(5), "the node to fence itself");
        Assert.That(membership.IsAlive, Is.False);
        Assert.That(memberAtFence, Is.True, "fenced while its lease was still alive");

        await Eventually.Until(async () => await inner.GetAsync(ConfigurationKeys.Members + "n1") is null ? "lapsed" : null,
            TimeSpan.FromSeconds(5), "the lease to lapse");
        store.Isolated = false;
        await Eventually.Until(() => membership.IsAlive, TimeSpan.FromSeconds(5), "the node to join again");

        Assert.That(membership.Lease, Is.Not.EqualTo(firstLease));
        Assert.That(alive, Is.EqualTo(2));
        await stop.CancelAsync();
        await running;
        await membership.LeaveAsync();
        Assert.That(await inner.GetAsync(ConfigurationKeys.Members + "n1"), Is.Null, "a clean leave revokes the lease at once");
    }
}
