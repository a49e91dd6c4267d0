namespace Cluster.Service.Store;

/// <summary>A key as etcd describes it: its value and the revisions that made it.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">Its value, as bytes.</param>
/// <param name="CreateRevision">The revision that created the key (0: it does not exist).</param>
/// <param name="ModRevision">The revision that last changed it.</param>
/// <param name="Version">How many times it was written since it was created (1 after creation).</param>
/// <param name="Lease">The lease it is attached to (0: none); it vanishes when the lease expires.</param>
internal sealed record KeyValue(string Key, byte[] Value, long CreateRevision, long ModRevision, long Version, long Lease);
