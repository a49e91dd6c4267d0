namespace Cluster.Service.Store;

/// <summary>
/// The cluster store, shaped like etcd's KV: keys with revisions, transactions with compares, leases
/// with a TTL, and watches from a revision. Nothing above it speaks SQL, so that an etcd backend can
/// replace the embedded SQLite one.
/// </summary>
internal interface IClusterStore : IAsyncDisposable
{
    Task<long> CurrentRevisionAsync(CancellationToken cancellationToken = default);

    Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Every key that starts with <paramref name="prefix"/>, in key order, and the revision they were read at.</summary>
    Task<(IReadOnlyList<KeyValue> Items, long Revision)> RangeAsync(string prefix, CancellationToken cancellationToken = default);

    /// <exception cref="ClusterStoreException">An operation names an empty key or an unknown lease; nothing changed.</exception>
    Task<TransactionResult> TransactAsync(Transaction transaction, CancellationToken cancellationToken = default);

    /// <summary>
    /// A new lease that expires its TTL from now unless kept alive, and from each renewal on. The store may grant a
    /// longer TTL than <paramref name="ttl"/>, never a shorter one; a holder that fences itself times its fence by the granted one.
    /// </summary>
    Task<LeaseGrant> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Renews the lease for another TTL; false when it has expired or never existed.</summary>
    Task<bool> KeepAliveAsync(long lease, CancellationToken cancellationToken = default);

    /// <summary>Ends a lease now: its keys are deleted.</summary>
    Task RevokeLeaseAsync(long lease, CancellationToken cancellationToken = default);

    /// <summary>Deletes expired leases and their keys. Runs by itself in the background too.</summary>
    Task ExpireLeasesAsync(CancellationToken cancellationToken = default);

    /// <summary>Every change under <paramref name="prefix"/> from <paramref name="fromRevision"/> on (0: from now), in order.</summary>
    /// <exception cref="ClusterStoreException">That revision has been compacted away.</exception>
    IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long fromRevision, CancellationToken cancellationToken = default);
}
