namespace Cluster.Service.Rcm;

/// <summary>A group as `cluster group list` and `cluster status` show it.</summary>
internal sealed record GroupSnapshot(string Name, GroupState State, IReadOnlyList<GroupResourceSnapshot> Resources);

/// <summary>What the RCM knows of one resource of a group: its persistent state and restarts.</summary>
internal sealed record GroupResourceSnapshot(string Name, bool PersistedOnline, int RestartCount);
