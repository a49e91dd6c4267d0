namespace Cluster.Service.Monitors;

internal enum MonitorEventKind
{
    /// <summary>A resource's state changed (OldState, NewState, Cause).</summary>
    StateChanged,

    /// <summary>An RHS process started (MonitorId, Pid).</summary>
    RhsStarted,

    /// <summary>An RHS process died or was killed (event 1146).</summary>
    RhsTerminated,

    /// <summary>An entry point missed its DeadlockTimeout, or the RHS its health ping (event 1230).</summary>
    Deadlock,

    /// <summary>A resource moved to another monitor (e.g. a dedicated one after a deadlock).</summary>
    ResourceMoved,

    /// <summary>A line the resource DLL logged.</summary>
    ResourceLog,

    /// <summary>A pending resource reported progress (a checkpoint): PendingTimeout starts again.</summary>
    Progress,

    /// <summary>
    /// The node stopped hosting a resource (closed, or dropped by a fence): its state here ends Offline
    /// (OldState, NewState). Not a report of the resource's own, so the policy does not act on it.
    /// </summary>
    Released,
}
