using Grpc.Core;

namespace Cluster.Protocol.Transport.Observability;

/// <summary>What an observer may see of a call's metadata: text entries, secrets masked, binary ones summarized.</summary>
internal static class MetadataRedaction
{
    public const string Authorization = "authorization";

    public static IReadOnlyList<KeyValuePair<string, string>> Redact(Metadata? metadata, IReadOnlySet<string> secretKeys)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return [];
        }

        var entries = new List<KeyValuePair<string, string>>(metadata.Count);
        foreach (var entry in metadata)
        {
            var value = secretKeys.Contains(entry.Key) || entry.Key == Authorization ? "<redacted>"
                : entry.IsBinary ? $"<{entry.ValueBytes.Length} bytes>"
                : entry.Value;
            entries.Add(new(entry.Key, value));
        }

        return entries;
    }

    /// <summary>The status a call ended with when its handler or its caller gave up with an exception.</summary>
    public static Status StatusOf(Exception error, DateTime deadline, CancellationToken callCancelled) => error switch
    {
        RpcException rpc => rpc.Status,
        OperationCanceledException when deadline != DateTime.MaxValue && deadline <= DateTime.UtcNow =>
            new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"),
        OperationCanceledException when callCancelled.IsCancellationRequested => new Status(StatusCode.Cancelled, "Call canceled"),
        _ => new Status(StatusCode.Unknown, error.Message),
    };
}
