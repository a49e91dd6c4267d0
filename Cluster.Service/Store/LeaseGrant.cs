namespace Cluster.Service.Store;

/// <summary>A granted lease: its id, and the TTL the store gave it, never shorter than asked (etcd counts whole seconds and has a minimum).</summary>
internal sealed record LeaseGrant(long Id, TimeSpan Ttl);
