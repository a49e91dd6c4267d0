namespace Cluster.Service.Store;

/// <summary>etcd's Txn: if every compare holds, apply Success, else Failure; atomically, as one revision.</summary>
internal sealed record Transaction
{
    public IReadOnlyList<Compare> Compares { get; init; } = [];

    public IReadOnlyList<StoreOperation> Success { get; init; } = [];

    public IReadOnlyList<StoreOperation> Failure { get; init; } = [];
}

/// <summary>Whether the compares held, and the store's revision after the transaction.</summary>
internal sealed record TransactionResult(bool Succeeded, long Revision);
