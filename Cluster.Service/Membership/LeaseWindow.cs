namespace Cluster.Service.Membership;

/// <summary>
/// What one successful renewal buys, counted from when it was sent (the store's lease restarts no earlier
/// than that): the node may act until <see cref="SafeEnd"/> (its fence point, FenceMargin before the lease
/// can lapse), its RHS watchdogs wait until <see cref="PetUntil"/> (half the margin later, so that an RHS
/// that hears of the renewal a little late does not fence a node that did not), and the lease can lapse
/// anywhere at <see cref="Lapse"/>. Pure: instants are elapsed time on a monotonic clock.
/// </summary>
internal readonly record struct LeaseWindow(TimeSpan SafeEnd, TimeSpan PetUntil, TimeSpan Lapse)
{
    /// <param name="sent">When the renewal (or grant) was sent.</param>
    /// <param name="ttl">The lease's TTL as the store granted it (it may be longer than the node asked for).</param>
    /// <param name="fenceMargin">How long before the lapse the node stops its groups.</param>
    public static LeaseWindow After(TimeSpan sent, TimeSpan ttl, TimeSpan fenceMargin)
    {
        var lapse = sent + ttl;
        return new LeaseWindow(lapse - fenceMargin, lapse - fenceMargin / 2, lapse);
    }

    public bool Alive(TimeSpan now) => now < SafeEnd;
}
