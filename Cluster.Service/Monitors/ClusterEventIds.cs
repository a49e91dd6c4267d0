namespace Cluster.Service.Monitors;

/// <summary>WSFC's event ids, where one exists for what happened.</summary>
internal static class ClusterEventIds
{
    /// <summary>Cluster resource failed.</summary>
    public const int ResourceFailed = 1069;

    /// <summary>The cluster resource host subsystem (RHS) stopped unexpectedly.</summary>
    public const int RhsTerminated = 1146;

    /// <summary>A resource's entry point did not return within DeadlockTimeout.</summary>
    public const int ResourceDeadlocked = 1230;
}
