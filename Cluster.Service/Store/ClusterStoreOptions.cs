namespace Cluster.Service.Store;

internal sealed class ClusterStoreOptions
{
    /// <summary>Lease expiry and TTLs read this clock (wall time: it is shared by every process of the store).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The longest the background sweeper of expired leases sleeps: it wakes sooner at the earliest expiry
    /// and when this process grants a lease. A lease another process grants while none of the others will
    /// expire sooner is swept up to this late (its keys' delete events come late; reads never see them).
    /// Zero turns the sweeper off.
    /// </summary>
    public TimeSpan LeaseSweepInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often a watch looks for writes made by other processes when it cannot be told of them (no file
    /// watching: the in-memory store, or a platform without inotify). Writes of this process wake it at once.
    /// </summary>
    public TimeSpan WatchPollInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How often a watch looks anyway when writes to the file wake it (<see cref="WalWriteSignal"/>): a safety net only.</summary>
    public TimeSpan WatchSafetyPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How soon a watch looks again when another process's write to the log woke it but showed nothing new:
    /// SQLite makes a commit visible just after writing it to the log, and the wake-up can fall in between.
    /// </summary>
    public TimeSpan WatchRecheckInterval { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How many revisions of history a watch can start from.</summary>
    public long HistoryRevisions { get; init; } = 10_000;
}
