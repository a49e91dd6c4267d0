namespace Cluster.Grpc.Protocol;

/// <summary>Header names and values of the gRPC over HTTP/2 protocol (grpc/doc/PROTOCOL-HTTP2.md).</summary>
internal static class GrpcHeaders
{
    public const string ContentType = "application/grpc";
    public const string Status = "grpc-status";
    public const string Message = "grpc-message";
    public const string Timeout = "grpc-timeout";
    public const string Encoding = "grpc-encoding";
    public const string AcceptEncoding = "grpc-accept-encoding";
    public const string Authorization = "authorization";
    public const string IdentityEncoding = "identity";
    public const string UserAgent = "cluster-grpc/1";

    /// <summary>HTTP headers that are transport, not call metadata.</summary>
    public static bool IsTransportHeader(string name) =>
        name.StartsWith(':')
        || name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("te", StringComparison.OrdinalIgnoreCase)
        || name.Equals("user-agent", StringComparison.OrdinalIgnoreCase)
        || name.Equals("host", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("accept-encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("connection", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a content-type names gRPC ("application/grpc", "+proto" and the like).</summary>
    public static bool IsGrpcContentType(string? contentType) =>
        contentType is not null
        && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';');
}
