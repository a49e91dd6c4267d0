namespace Cluster.Service.Store;

/// <summary>
/// A request the store refuses (an empty key, an unknown lease, a compacted revision; nothing changed), or the
/// store failing underneath (SQLite's busy timeout, an I/O error, a damaged file), translated by the store so that
/// nothing above it knows which engine it is.
/// </summary>
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
