namespace Cluster.Protocol;

/// <summary>
/// A cluster operation that failed for a reason its caller can act on. Code above the transport
/// throws and catches this, never a transport exception: the server edge turns it into a gRPC status
/// and the client edge turns the status back into this, kind and message intact.
/// </summary>
public sealed class ClusterException : Exception
{
    public ClusterException(ClusterErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public ClusterException(ClusterErrorKind kind, string message, Exception? innerException)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public ClusterException()
        : this(ClusterErrorKind.Unknown, "The cluster operation failed.")
    {
    }

    public ClusterException(string message)
        : this(ClusterErrorKind.Unknown, message)
    {
    }

    public ClusterException(string message, Exception innerException)
        : this(ClusterErrorKind.Unknown, message, innerException)
    {
    }

    public ClusterErrorKind Kind { get; }

    /// <summary>The kind and message, as the CLI prints a failure: "NotFound: Group web does not exist."</summary>
    public override string ToString() => $"{Kind}: {Message}";
}
