using System.Runtime.CompilerServices;

namespace Cluster.Service.Store;

/// <summary>
/// The node's way to the store, which `cluster node isolate` can cut for testing: while isolated every
/// call fails as an unreachable store would, and watches end with the same error.
/// </summary>
internal sealed class IsolatableStore(IClusterStore inner) : IClusterStore
{
    private volatile bool _isolated;

    public bool Isolated
    {
        get => _isolated;
        set => _isolated = value;
    }

    public Task<long> CurrentRevisionAsync(CancellationToken cancellationToken = default) => Pass(() => inner.CurrentRevisionAsync(cancellationToken));

    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) => Pass(() => inner.GetAsync(key, cancellationToken));

    public Task<(IReadOnlyList<KeyValue> Items, long Revision)> RangeAsync(string prefix, CancellationToken cancellationToken = default) =>
        Pass(() => inner.RangeAsync(prefix, cancellationToken));

    public Task<TransactionResult> TransactAsync(Transaction transaction, CancellationToken cancellationToken = default) =>
        Pass(() => inner.TransactAsync(transaction, cancellationToken));

    public Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default) => Pass(() => inner.GrantLeaseAsync(ttl, cancellationToken));

    public Task<bool> KeepAliveAsync(long lease, CancellationToken cancellationToken = default) => Pass(() => inner.KeepAliveAsync(lease, cancellationToken));

    public Task RevokeLeaseAsync(long lease, CancellationToken cancellationToken = default) =>
        Pass(async () =>
        {
            await inner.RevokeLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
            return true;
        });

    public Task ExpireLeasesAsync(CancellationToken cancellationToken = default) =>
        Pass(async () =>
        {
            await inner.ExpireLeasesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        });

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfIsolated();
        await foreach (var item in inner.WatchAsync(prefix, fromRevision, cancellationToken).ConfigureAwait(false))
        {
            ThrowIfIsolated();
            yield return item;
        }
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private Task<T> Pass<T>(Func<Task<T>> call)
    {
        ThrowIfIsolated();
        return call();
    }

    private void ThrowIfIsolated()
    {
        if (_isolated)
        {
            throw new ClusterStoreException("The node is isolated from the cluster store (`cluster node rejoin` ends it).");
        }
    }
}
