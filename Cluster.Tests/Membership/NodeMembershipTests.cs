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

    [Test]
    [NonParallelizable]
    public async Task Node_keeps_its_lease_while_the_thread_pool_is_starved()
    {
        // Renewals run on a thread of their own: a process whose pool threads are all blocked (a burst of
        // synchronous work, a hung dependency) must not fence itself while its store answers.
        await using var store = SqliteClusterStore.OpenInMemory(new ClusterStoreOptions { LeaseSweepInterval = TimeSpan.Zero });
        var fenced = 0;
        using var membership = new NodeMembership(store, new Member { Name = "n1", Pid = 1 }, s_options, NullLogger.Instance)
        {
            OnFenced = () => Interlocked.Increment(ref fenced),
        };
        using var stop = new CancellationTokenSource();
        var running = membership.RunAsync(stop.Token);
        await Eventually.Until(() => membership.IsAlive, TimeSpan.FromSeconds(5), "the node to join");

        using var release = new ManualResetEventSlim();
        ThreadPool.GetMinThreads(out var workers, out _);
        for (var i = 0; i < workers * 50; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => release.Wait(), null); // more than the pool adds in the window
        }

        var lapses = 0;
        var window = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            // Watched from this thread, which the blocked pool cannot run continuations for: five fence windows.
            while (window.Elapsed < s_options.LeaseTtl * 5)
            {
                lapses += membership.IsAlive ? 0 : 1;
                Thread.Sleep(10);
            }
        }
        finally
        {
            release.Set();
        }

        Assert.That((fenced, lapses), Is.EqualTo((0, 0)), "renewed throughout, with every pool thread blocked");
        await stop.CancelAsync();
        await running;
    }

    [Test]
    public async Task Node_times_its_fence_by_the_ttl_the_store_granted_not_the_one_it_asked_for()
    {
        // etcd grants at least 2 s: a node asking 600 ms must not fence at 450 ms when its lease lives on.
        await using var inner = SqliteClusterStore.OpenInMemory();
        var store = new IsolatableStore(new TripleLeases(inner));
        DateTimeOffset? fencedAt = null;
        using var membership = new NodeMembership(store, new Member { Name = "n1", Pid = 1 }, s_options, NullLogger.Instance)
        {
            OnFenced = () => fencedAt = DateTimeOffset.UtcNow,
        };
        using var stop = new CancellationTokenSource();
        var running = membership.RunAsync(stop.Token);
        await Eventually.Until(() => membership.IsAlive, TimeSpan.FromSeconds(5), "the node to join");
        Assert.That(membership.GrantedTtl, Is.EqualTo(3 * s_options.LeaseTtl));

        var cut = DateTimeOffset.UtcNow;
        store.Isolated = true;
        await Eventually.Until(() => fencedAt is not null, TimeSpan.FromSeconds(10), "the node to fence itself");

        // Last renewal at most one interval before the cut: the fence comes no sooner than 1800 - 150 - 100 ms after it.
        Assert.That(fencedAt!.Value - cut, Is.GreaterThan(TimeSpan.FromMilliseconds(1500)));
        await stop.CancelAsync();
        await running;
    }

    [Test]
    public async Task A_failed_renewal_is_tried_again_at_once_so_a_store_back_within_the_window_saves_the_lease()
    {
        // Renewals every 2 s, fence 5 s after the last one: the store fails for 4.4 s right after a renewal. Tried only
        // at the next ticks (2 s, 4 s: both fail; 6 s: past the fence point) the node would fence; retried, it does not.
        var options = new MembershipOptions
        {
            LeaseTtl = TimeSpan.FromSeconds(8), RenewInterval = TimeSpan.FromSeconds(2), FenceMargin = TimeSpan.FromSeconds(3),
        };
        await using var inner = SqliteClusterStore.OpenInMemory();
        var store = new IsolatableStore(inner);
        var fenced = false;
        var renewals = 0;
        using var membership = new NodeMembership(store, new Member { Name = "n1", Pid = 1 }, options, NullLogger.Instance)
        {
            OnFenced = () => fenced = true,
            OnRenewed = (_, _) => Interlocked.Increment(ref renewals),
        };
        using var stop = new CancellationTokenSource();
        var running = membership.RunAsync(stop.Token);
        await Eventually.Until(() => membership.IsAlive, TimeSpan.FromSeconds(5), "the node to join");
        var before = renewals;
        await Eventually.Until(() => renewals > before, TimeSpan.FromSeconds(5), "a renewal");

        store.Isolated = true;
        await Task.Delay(TimeSpan.FromSeconds(4.4)); // the fault's length, not a wait for a condition
        store.Isolated = false;
        var back = renewals;
        await Eventually.Until(() => renewals > back, TimeSpan.FromSeconds(5), "a renewal once the store is back");

        Assert.That(fenced, Is.False, "renewed within the window: no fence");
        Assert.That(membership.IsAlive, Is.True);
        await stop.CancelAsync();
        await running;
    }

    /// <summary>A store that grants three times the TTL asked for, as etcd grants its minimum to short leases.</summary>
    private sealed class TripleLeases(IClusterStore inner) : IClusterStore
    {
        public Task<long> CurrentRevisionAsync(CancellationToken cancellationToken = default) => inner.CurrentRevisionAsync(cancellationToken);

        public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public Task<(IReadOnlyList<KeyValue> Items, long Revision)> RangeAsync(string prefix, CancellationToken cancellationToken = default) =>
            inner.RangeAsync(prefix, cancellationToken);

        public Task<TransactionResult> TransactAsync(Transaction transaction, CancellationToken cancellationToken = default) =>
            inner.TransactAsync(transaction, cancellationToken);

        public Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default) => inner.GrantLeaseAsync(3 * ttl, cancellationToken);

        public Task<bool> KeepAliveAsync(long lease, CancellationToken cancellationToken = default) => inner.KeepAliveAsync(lease, cancellationToken);

        public Task RevokeLeaseAsync(long lease, CancellationToken cancellationToken = default) => inner.RevokeLeaseAsync(lease, cancellationToken);

        public Task ExpireLeasesAsync(CancellationToken cancellationToken = default) => inner.ExpireLeasesAsync(cancellationToken);

        public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, CancellationToken cancellationToken = default) =>
            inner.WatchAsync(prefix, fromRevision, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
