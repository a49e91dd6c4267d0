using System.Globalization;
using Cluster.Protocol.Config.V1;
using Cluster.Protocol.Rhs.V1;
using Cluster.Service.Coordinator;
using Cluster.Service.Monitors;
using Cluster.Service.Rcm;
using PropertyValue = Cluster.Protocol.Admin.V1.PropertyValue;

namespace Cluster.Service.Database;

/// <summary>
/// Every common property of a resource, group or node with the value in force and whether it is the
/// default, for `resource show`, `group show` and `node show`. The values in force are the ones the
/// RCM, the monitors and the coordinator use (<see cref="ConfigurationMapping"/>, the type's declared poll
/// intervals, the node's DeadlockTimeout), so what is shown is what happens.
/// </summary>
internal static class PropertySheet
{
    /// <param name="resource">The resource as stored.</param>
    /// <param name="type">What its type's DLL declares (poll intervals); null when the type does not load here.</param>
    /// <param name="nodeDeadlockTimeout">The answering node's DeadlockTimeout, for resources that set none.</param>
    public static IReadOnlyList<PropertyValue> Of(Resource resource, ResourceTypeInfo? type, TimeSpan nodeDeadlockTimeout)
    {
        var restart = ConfigurationMapping.Restart(resource);
        var pendingDefault = new ResourceSpec { Name = resource.Name, Type = new() }.PendingTimeout;
        return
        [
            Text("Description", resource.Description),
            List("DependsOn", resource.DependsOn, "none"),
            List("PossibleOwners", resource.PossibleOwners, "all nodes"),
            Row("SeparateMonitor", resource.SeparateMonitor ? "true" : "false", !resource.SeparateMonitor),
            Ms("LooksAlivePollInterval", resource.HasLooksAlivePollIntervalMs, resource.LooksAlivePollIntervalMs, type?.LooksAlivePollIntervalMs, "the type's"),
            Ms("IsAlivePollInterval", resource.HasIsAlivePollIntervalMs, resource.IsAlivePollIntervalMs, type?.IsAlivePollIntervalMs, "the type's"),
            Ms("PendingTimeout", resource.HasPendingTimeoutMs, resource.PendingTimeoutMs, (long)pendingDefault.TotalMilliseconds, null),
            Ms("DeadlockTimeout", resource.HasDeadlockTimeoutMs, resource.DeadlockTimeoutMs, (long)nodeDeadlockTimeout.TotalMilliseconds, "the node's"),
            Row("RestartAction", ((int)restart.Action).ToString(CultureInfo.InvariantCulture) + $" ({restart.Action})", !resource.HasRestartAction),
            Row("RestartThreshold", restart.Threshold.ToString(CultureInfo.InvariantCulture), !resource.HasRestartThreshold),
            Row("RestartPeriod", Millis(restart.Period), !resource.HasRestartPeriodMs),
            Row("RestartDelay", Millis(restart.Delay), !resource.HasRestartDelayMs),
            Row("RetryPeriodOnFailure", restart.RetryPeriodOnFailure is { } retry ? Millis(retry) : "-1 (never)", !resource.HasRetryPeriodOnFailureMs),
        ];
    }

    /// <param name="group">The group as stored.</param>
    /// <param name="nodeCount">How many nodes the cluster has (FailoverThreshold's default is one less).</param>
    public static IReadOnlyList<PropertyValue> Of(Group group, int nodeCount) =>
    [
        Text("Description", group.Description),
        List("PreferredOwners", group.PreferredOwners, "none: nodes in name order"),
        Row("FailoverThreshold", group.HasFailoverThreshold ? group.FailoverThreshold.ToString(CultureInfo.InvariantCulture)
            : $"{Math.Max(1, nodeCount - 1)} (nodes - 1)", !group.HasFailoverThreshold),
        Row("FailoverPeriod", (group.HasFailoverPeriodHours ? group.FailoverPeriodHours : PlacementPolicy.DefaultFailoverPeriod.TotalHours).ToString(CultureInfo.InvariantCulture) + " h",
            !group.HasFailoverPeriodHours),
        Row("AutoFailbackType", group.HasAutoFailbackType ? $"{group.AutoFailbackType} ({(group.AutoFailbackType == 1 ? "allow" : "prevent")})" : "0 (prevent)",
            !group.HasAutoFailbackType),
        Row("FailbackWindowStart", (group.HasFailbackWindowStart ? group.FailbackWindowStart : -1).ToString(CultureInfo.InvariantCulture), !group.HasFailbackWindowStart),
        Row("FailbackWindowEnd", (group.HasFailbackWindowEnd ? group.FailbackWindowEnd : -1).ToString(CultureInfo.InvariantCulture), !group.HasFailbackWindowEnd),
        Row("Priority", (group.HasPriority ? group.Priority : 2000).ToString(CultureInfo.InvariantCulture), !group.HasPriority),
        .. group.Weights.OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => Row(NamedQuantities.WeightPrefix + w.Key, w.Value.ToString(CultureInfo.InvariantCulture), isDefault: false)),
    ];

    public static IReadOnlyList<PropertyValue> Of(Protocol.Config.V1.Node node) =>
    [
        Row("Paused", node.Paused ? "true" : "false", !node.Paused),
        Row("MaxGroups", node.MaxGroups == 0 ? "0 (no limit)" : node.MaxGroups.ToString(CultureInfo.InvariantCulture), node.MaxGroups == 0),
        .. node.Capacities.OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => Row(NamedQuantities.CapacityPrefix + c.Key, c.Value.ToString(CultureInfo.InvariantCulture), isDefault: false)),
    ];

    private static PropertyValue Row(string name, string value, bool isDefault) => new() { Name = name, Value = value, IsDefault = isDefault };

    private static PropertyValue Text(string name, string value) => Row(name, value, value.Length == 0);

    private static PropertyValue List(string name, Google.Protobuf.Collections.RepeatedField<string> values, string whenEmpty) =>
        Row(name, values.Count == 0 ? whenEmpty : string.Join(", ", values), values.Count == 0);

    private static PropertyValue Ms(string name, bool isSet, long value, long? defaultValue, string? whose) =>
        isSet ? Row(name, $"{value} ms", isDefault: false)
        : defaultValue is { } d ? Row(name, $"{d} ms" + (whose is null ? "" : $" ({whose})"), isDefault: true)
        : Row(name, $"{whose} default (the type does not load here)", isDefault: true);

    private static string Millis(TimeSpan value) => ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms";
}
