namespace Cluster.Protocol;

/// <summary>
/// Why a cluster operation failed, in the cluster's own terms. Each kind travels as the gRPC status
/// of the same meaning (see Transport/StatusMapping), so a caller on the other side of a process
/// boundary gets back the kind the callee threw.
/// </summary>
public enum ClusterErrorKind
{
    /// <summary>Nothing says more; also what an unexpected exception becomes.</summary>
    Unknown,

    /// <summary>The request is malformed or names something impossible; retrying it will not help.</summary>
    InvalidArgument,

    /// <summary>The group, resource, type, node or monitor named does not exist.</summary>
    NotFound,

    /// <summary>What the request would create exists already.</summary>
    AlreadyExists,

    /// <summary>The cluster is not in a state that allows the request (a type that does not load, a node that cannot host).</summary>
    FailedPrecondition,

    /// <summary>The request was cut short (a deadlocked entry point, a change that kept conflicting); it may be retried.</summary>
    Aborted,

    /// <summary>The process or what it needs (the cluster store, a lease, an RHS) cannot serve right now.</summary>
    Unavailable,

    /// <summary>The caller's deadline passed before the answer came.</summary>
    DeadlineExceeded,

    /// <summary>The call was cancelled (the caller gave up, or the process is stopping).</summary>
    Cancelled,

    /// <summary>The callee does not do this (a resource type without control codes, an unknown method).</summary>
    Unimplemented,

    /// <summary>A limit was hit (a message over the size limit).</summary>
    ResourceExhausted,

    /// <summary>The caller did not prove who it is (the admin token, an RHS's secret).</summary>
    Unauthenticated,

    /// <summary>The callee broke its own rules (a reply that cannot be read, an exception it did not expect).</summary>
    Internal,
}
