namespace Cluster.Service.Membership;

/// <summary>How a node keeps its lease. The defaults detect a dead node in about a second and are safe: a node fences itself before its lease can lapse.</summary>
internal sealed record MembershipOptions
{
    /// <summary>The lease's time to live: how long after its last renewal a silent node is Down.</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>
    /// How often the lease is renewed: three tries before the fence point. More often costs an idle node a SQLite
    /// write and a pet per RHS each time, and does not detect a dead node sooner (the TTL runs from its last renewal).
    /// </summary>
    public TimeSpan RenewInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How soon a failed renewal is tried again, instead of at the next renewal: a store that is back (etcd's new
    /// leader elected, the next member found) renews the lease at once, not a renewal interval later.
    /// </summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long before the lease could lapse the node stops its groups when it cannot renew: time to
    /// terminate them, so that they are gone before another node may start them.
    /// </summary>
    public TimeSpan FenceMargin { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The clock the renewals and the fence point are timed by.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
