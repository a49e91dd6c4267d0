namespace Cluster.Service.Store;

internal enum StoreOperationKind
{
    Put,
    Delete,
    DeletePrefix,
}

/// <summary>A write inside a transaction.</summary>
internal sealed record StoreOperation(StoreOperationKind Kind, string Key, byte[]? Value = null, long Lease = 0)
{
    public static StoreOperation Put(string key, byte[] value, long lease = 0) => new(StoreOperationKind.Put, key, value, lease);

    public static StoreOperation Delete(string key) => new(StoreOperationKind.Delete, key);

    public static StoreOperation DeletePrefix(string prefix) => new(StoreOperationKind.DeletePrefix, prefix);
}
