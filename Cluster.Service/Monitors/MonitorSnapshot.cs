namespace Cluster.Service.Monitors;

/// <summary>A monitor as `cluster monitor list` shows it.</summary>
internal sealed record MonitorSnapshot(
    int Id, int? Pid, bool Dedicated, IReadOnlyList<string> Resources, DateTimeOffset StartedAt, int Restarts);
