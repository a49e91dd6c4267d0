namespace Cluster.Service.Rcm;

/// <summary>WSFC's RestartAction: what the RCM does when a resource fails.</summary>
internal enum RestartAction
{
    /// <summary>0: leave it Failed.</summary>
    DoNotRestart = 0,

    /// <summary>1: restart it; past the threshold, leave it Failed and never fail the group over.</summary>
    RestartNoFailover = 1,

    /// <summary>2 (default): restart it; past the threshold, fail the group over.</summary>
    RestartThenFailover = 2,
}
