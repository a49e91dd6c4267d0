namespace Cluster.Grpc.Server;

/// <summary>What a handler knows about the call it serves.</summary>
public sealed class ServerCallContext
{
    internal ServerCallContext(
        string method, string peer, Metadata requestHeaders, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        Method = method;
        Peer = peer;
        RequestHeaders = requestHeaders;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>The full method path, "/package.Service/Method".</summary>
    public string Method { get; }

    /// <summary>The caller's address.</summary>
    public string Peer { get; }

    /// <summary>The caller's metadata, without transport headers.</summary>
    public Metadata RequestHeaders { get; }

    /// <summary>When the caller stops waiting, if it set a deadline.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Cancelled when the caller cancels, its deadline passes, or the server stops.</summary>
    public CancellationToken CancellationToken { get; }
}
