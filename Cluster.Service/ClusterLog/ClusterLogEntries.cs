using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Types.V1;
using Cluster.Service.Monitors;
using Cluster.Service.Rcm;

namespace Cluster.Service.ClusterLog;

/// <summary>How what the node's components report becomes cluster log entries.</summary>
internal static class ClusterLogEntries
{
    public static ClusterLogEntry From(string node, MonitorEvent item) => new()
    {
        Time = item.Time,
        Node = node,
        Level = item.EventId is not null || item.NewState == ResourceState.Failed ? "ERR" : "INFO",
        Component = "RHS",
        Resource = item.Resource,
        OldState = item.Kind is MonitorEventKind.StateChanged or MonitorEventKind.Released ? item.OldState.ToString() : null,
        NewState = item.Kind is MonitorEventKind.StateChanged or MonitorEventKind.Released ? item.NewState.ToString() : null,
        Text = item.Kind switch
        {
            MonitorEventKind.StateChanged or MonitorEventKind.Released => item.Cause,
            MonitorEventKind.ResourceLog => $"DLL: {item.Cause}",
            MonitorEventKind.Progress => $"progress: {item.Cause}",
            _ => $"monitor {item.MonitorId}{(item.Pid is { } pid ? $", RHS process {pid}" : string.Empty)}: {item.Cause}",
        },
        EventId = item.EventId,
    };

    public static ClusterLogEntry From(string node, string group, RcmNote note, DateTimeOffset time) => new()
    {
        Time = time,
        Node = node,
        Level = note.EventId is not null ? "ERR" : "INFO",
        Component = "RCM",
        Group = group,
        Resource = note.Resource,
        Text = note.Text,
        EventId = note.EventId,
        RestartCount = note.RestartCount,
    };

    /// <summary>A group's state on this node changed, as the policy derives it from its resources.</summary>
    public static ClusterLogEntry GroupState(string node, string group, GroupState old, GroupState now, DateTimeOffset time) => new()
    {
        Time = time,
        Node = node,
        Level = now == Rcm.GroupState.Failed ? "ERR" : "INFO",
        Component = "RCM",
        Group = group,
        OldState = old.ToString(),
        NewState = now.ToString(),
        Text = "the group's state on this node",
    };

    /// <summary>The entry as the admin API's WatchEvents streams it (unnumbered: the feed numbers it).</summary>
    public static ClusterEvent ToEvent(ClusterLogEntry entry) => new()
    {
        Node = entry.Node,
        TimeUnixUs = UnixMicroseconds.From(entry.Time),
        Level = entry.Level,
        Component = entry.Component,
        Group = entry.Group ?? string.Empty,
        Resource = entry.Resource ?? string.Empty,
        OldState = entry.OldState ?? string.Empty,
        NewState = entry.NewState ?? string.Empty,
        Text = entry.Text,
        EventId = entry.EventId ?? 0,
        RestartCount = entry.RestartCount ?? 0,
    };

    /// <summary>A note of the coordinator (FM) or the membership (NM).</summary>
    public static ClusterLogEntry Note(string node, string component, string? group, string text, int? eventId, DateTimeOffset time) => new()
    {
        Time = time,
        Node = node,
        Level = eventId is not null ? "ERR" : "INFO",
        Component = component,
        Group = group,
        Text = text,
        EventId = eventId,
    };
}
