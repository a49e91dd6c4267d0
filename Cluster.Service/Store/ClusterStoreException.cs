namespace Cluster.Service.Store;

/// <summary>A request the store refuses (an empty key, an unknown lease, a compacted revision); nothing changed.</summary>
internal sealed class ClusterStoreException : Exception
{
    public ClusterStoreException(string message)
        : base(message)
    {
    }

    public ClusterStoreException()
    {
    }

    public ClusterStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
