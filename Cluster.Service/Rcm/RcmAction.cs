namespace Cluster.Service.Rcm;

/// <summary>What the RCM's policy asks its driver to do. The policy itself does no I/O.</summary>
internal abstract record RcmAction;

/// <summary>Call Online on the resource (its dependencies are all Online).</summary>
internal sealed record BringOnline(string Resource) : RcmAction;

/// <summary>Call Offline on the resource (everything that depends on it is down).</summary>
internal sealed record TakeOffline(string Resource) : RcmAction;

/// <summary>The resource exceeded its restart threshold with RestartAction 2: the group must move (event 1205 here).</summary>
internal sealed record RequestFailover(string Resource, string Cause) : RcmAction;

/// <summary>A decision worth a line in the cluster log, with WSFC's event id where one exists.</summary>
internal sealed record RcmNote(string? Resource, string Text, int? EventId = null) : RcmAction
{
    /// <summary>On a restart decision: the resource's restarts within its RestartPeriod, this one counted.</summary>
    public int? RestartCount { get; init; }
}
