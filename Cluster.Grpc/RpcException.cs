namespace Cluster.Grpc;

/// <summary>
/// A call that ended with a status other than OK. Thrown by clients; thrown by a handler to end its
/// call with that status.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status)
        : base(status.ToString())
    {
        Status = status;
    }

    public RpcException(StatusCode code, string detail)
        : this(new Status(code, detail))
    {
    }

    public RpcException()
        : this(new Status(StatusCode.Unknown))
    {
    }

    public RpcException(string message)
        : this(new Status(StatusCode.Unknown, message))
    {
    }

    public RpcException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = new Status(StatusCode.Unknown, message);
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.Code;
}
