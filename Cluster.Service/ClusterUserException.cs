namespace Cluster.Service;

/// <summary>An error the user can fix (a bad argument, a missing cluster): printed without a stack trace.</summary>
internal sealed class ClusterUserException : Exception
{
    public ClusterUserException(string message)
        : base(message)
    {
    }

    public ClusterUserException()
    {
    }

    public ClusterUserException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
