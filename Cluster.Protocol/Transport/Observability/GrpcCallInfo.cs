namespace Cluster.Protocol.Transport.Observability;

/// <summary>One call as an observer sees it. Metadata comes with its secrets masked.</summary>
public sealed class GrpcCallInfo
{
    private static long s_lastId;

    internal GrpcCallInfo(
        CallSide side, string method, bool serverStreaming, string peer, IReadOnlyList<KeyValuePair<string, string>> metadata,
        DateTimeOffset started, DateTime? deadline)
    {
        ServerStreaming = serverStreaming;
        Id = Interlocked.Increment(ref s_lastId);
        Side = side;
        Method = method;
        Peer = peer;
        Metadata = metadata;
        Started = started;
        Deadline = deadline is { } d && d != DateTime.MaxValue ? d : null;
    }

    /// <summary>Unique within this process.</summary>
    public long Id { get; }

    public CallSide Side { get; }

    /// <summary>The full method path, "/package.Service/Method".</summary>
    public string Method { get; }

    /// <summary>The other end: the server's endpoint for a client, the caller's address for a server ("unknown" on a Unix socket).</summary>
    /// <summary>A server-streaming call: its responses are a stream of messages, not one answer.</summary>
    public bool ServerStreaming { get; }

    public string Peer { get; }

    /// <summary>The call's metadata as sent (client) or received (server), secret values replaced by "&lt;redacted&gt;".</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Metadata { get; }

    public DateTimeOffset Started { get; }

    /// <summary>The call's deadline (UTC), or null when it has none.</summary>
    public DateTime? Deadline { get; }

    /// <summary>The observer's own state for this call, from its start to its end (what it saw of the request, say).</summary>
    public object? ObserverState { get; set; }
}
