using Cluster.Service.Store.Etcd;

namespace Cluster.Service.Store;

/// <summary>Opens the store a location names: the one place that knows which engines there are.</summary>
internal static class ClusterStores
{
    public static IClusterStore Open(StoreLocation location, ClusterDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(directory);
        return location.IsEtcd ? EtcdClusterStore.Connect(location.EtcdEndpoints) : SqliteClusterStore.Open(directory.StorePath);
    }
}
