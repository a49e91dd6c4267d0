using Grpc.Core;

namespace Cluster.Protocol.Transport;

/// <summary>The one table between the cluster's error kinds and gRPC status codes, both ways.</summary>
public static class StatusMapping
{
    public static StatusCode ToStatusCode(ClusterErrorKind kind) => kind switch
    {
        ClusterErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        ClusterErrorKind.NotFound => StatusCode.NotFound,
        ClusterErrorKind.AlreadyExists => StatusCode.AlreadyExists,
        ClusterErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
        ClusterErrorKind.Aborted => StatusCode.Aborted,
        ClusterErrorKind.Unavailable => StatusCode.Unavailable,
        ClusterErrorKind.DeadlineExceeded => StatusCode.DeadlineExceeded,
        ClusterErrorKind.Cancelled => StatusCode.Cancelled,
        ClusterErrorKind.Unimplemented => StatusCode.Unimplemented,
        ClusterErrorKind.Unauthenticated => StatusCode.Unauthenticated,
        ClusterErrorKind.ResourceExhausted => StatusCode.ResourceExhausted,
        ClusterErrorKind.Internal => StatusCode.Internal,
        _ => StatusCode.Unknown,
    };

    /// <summary>Codes the cluster never sends (a peer's, or the transport's own) land on the nearest kind.</summary>
    public static ClusterErrorKind ToKind(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange => ClusterErrorKind.InvalidArgument,
        StatusCode.NotFound => ClusterErrorKind.NotFound,
        StatusCode.AlreadyExists => ClusterErrorKind.AlreadyExists,
        StatusCode.FailedPrecondition => ClusterErrorKind.FailedPrecondition,
        StatusCode.Aborted => ClusterErrorKind.Aborted,
        StatusCode.Unavailable => ClusterErrorKind.Unavailable,
        StatusCode.DeadlineExceeded => ClusterErrorKind.DeadlineExceeded,
        StatusCode.Cancelled => ClusterErrorKind.Cancelled,
        StatusCode.Unimplemented => ClusterErrorKind.Unimplemented,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => ClusterErrorKind.Unauthenticated,
        StatusCode.ResourceExhausted => ClusterErrorKind.ResourceExhausted,
        StatusCode.Internal or StatusCode.DataLoss or StatusCode.OK => ClusterErrorKind.Internal,
        _ => ClusterErrorKind.Unknown,
    };

    public static RpcException ToRpcException(ClusterException error) =>
        new(new Status(ToStatusCode(error.Kind), error.Message));

    public static ClusterException ToClusterException(RpcException error) =>
        new(ToKind(error.StatusCode), error.Status.Detail, error);
}
