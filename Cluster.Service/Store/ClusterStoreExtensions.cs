namespace Cluster.Service.Store;

/// <summary>Single-operation conveniences over <see cref="IClusterStore.TransactAsync"/>.</summary>
internal static class ClusterStoreExtensions
{
    public static async Task<long> PutAsync(this IClusterStore store, string key, byte[] value, long lease = 0, CancellationToken cancellationToken = default) =>
        (await store.TransactAsync(new Transaction { Success = [StoreOperation.Put(key, value, lease)] }, cancellationToken).ConfigureAwait(false)).Revision;

    public static async Task<long> DeleteAsync(this IClusterStore store, string key, CancellationToken cancellationToken = default) =>
        (await store.TransactAsync(new Transaction { Success = [StoreOperation.Delete(key)] }, cancellationToken).ConfigureAwait(false)).Revision;

    /// <summary>Compare-and-swap: writes only if the key's ModRevision is still <paramref name="expectedModRevision"/> (0: absent).</summary>
    public static Task<TransactionResult> CompareAndPutAsync(
        this IClusterStore store, string key, long expectedModRevision, byte[] value, long lease = 0, CancellationToken cancellationToken = default) =>
        store.TransactAsync(
            new Transaction
            {
                Compares = [Compare.ModRevision(key, CompareOperator.Equal, expectedModRevision)],
                Success = [StoreOperation.Put(key, value, lease)],
            },
            cancellationToken);
}
