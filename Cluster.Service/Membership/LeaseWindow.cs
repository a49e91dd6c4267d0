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
    public static LeaseWindow After(TimeSpan sent, MembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var lapse = sent + options.LeaseTtl;
        return new LeaseWindow(lapse - options.FenceMargin, lapse - options.FenceMargin / 2, lapse);
    }

    public bool Alive(TimeSpan now) => now < SafeEnd;
}
