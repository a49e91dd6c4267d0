using System.Globalization;
using Cluster.Protocol.Config.V1;
using YamlDotNet.RepresentationModel;

namespace Cluster.Service.Database;

/// <summary>
/// The cluster database as a file that `cluster apply -f` reads back to the same groups and resources
/// (`cluster config export`): every property that is set, and none that is left to its default, so that
/// applying the file reports "unchanged". A group's persistent state is written when all its resources
/// share one; when they differ it is left out (a comment says so), and applying leaves them as they are.
/// </summary>
internal static class ClusterFileWriter
{
    public static string Write(IEnumerable<Group> groups, IEnumerable<Resource> resources, IReadOnlyDictionary<string, bool> persistentOnline)
    {
        var byGroup = resources.GroupBy(r => r.Group, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Name, StringComparer.Ordinal).ToList());
        var list = new YamlSequenceNode();
        var mixed = new List<string>();
        foreach (var group in groups.OrderBy(g => g.Name, StringComparer.Ordinal))
        {
            var members = byGroup.GetValueOrDefault(group.Name) ?? [];
            var node = GroupNode(group);
            var states = members.Select(r => persistentOnline.GetValueOrDefault(r.Name)).Distinct().ToList();
            if (states.Count == 1)
            {
                node.Add("persistentState", states[0] ? "Online" : "Offline");
            }
            else if (states.Count > 1)
            {
                mixed.Add(group.Name);
            }

            if (members.Count > 0)
            {
                node.Add("resources", new YamlSequenceNode(members.Select(ResourceNode)));
            }

            list.Add(node);
        }

        using var text = new StringWriter(CultureInfo.InvariantCulture);
        text.WriteLine("# Exported by `cluster config export`; `cluster apply -f` reads it back unchanged.");
        if (mixed.Count > 0)
        {
            text.WriteLine($"# No persistentState for {string.Join(", ", mixed)}: their resources' persistent states differ, and apply leaves them as they are.");
        }

        new YamlStream(new YamlDocument(new YamlMappingNode { { "groups", list } })).Save(text, assignAnchors: false);
        // YamlDotNet ends a document with "...": a file read by people needs no end marker.
        return text.ToString().Replace("\n...\n", "\n", StringComparison.Ordinal);
    }

    private static YamlMappingNode GroupNode(Group group)
    {
        var node = new YamlMappingNode { { "name", group.Name } };
        AddText(node, "description", group.Description);
        AddList(node, "preferredOwners", group.PreferredOwners);
        AddNumber(node, "failoverThreshold", group.HasFailoverThreshold, group.FailoverThreshold);
        AddNumber(node, "failoverPeriod", group.HasFailoverPeriodHours, group.FailoverPeriodHours);
        AddNumber(node, "autoFailbackType", group.HasAutoFailbackType, group.AutoFailbackType);
        AddNumber(node, "failbackWindowStart", group.HasFailbackWindowStart, group.FailbackWindowStart);
        AddNumber(node, "failbackWindowEnd", group.HasFailbackWindowEnd, group.FailbackWindowEnd);
        AddNumber(node, "priority", group.HasPriority, group.Priority);
        foreach (var (quantity, weight) in group.Weights.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            node.Add(NamedQuantities.WeightPrefix + quantity, weight.ToString(CultureInfo.InvariantCulture));
        }

        return node;
    }

    private static YamlMappingNode ResourceNode(Resource resource)
    {
        var node = new YamlMappingNode { { "name", resource.Name }, { "type", resource.Type } };
        AddText(node, "description", resource.Description);
        AddList(node, "dependsOn", resource.DependsOn);
        AddList(node, "possibleOwners", resource.PossibleOwners);
        if (resource.SeparateMonitor)
        {
            node.Add("separateMonitor", "true");
        }

        AddNumber(node, "looksAlivePollInterval", resource.HasLooksAlivePollIntervalMs, resource.LooksAlivePollIntervalMs);
        AddNumber(node, "isAlivePollInterval", resource.HasIsAlivePollIntervalMs, resource.IsAlivePollIntervalMs);
        AddNumber(node, "pendingTimeout", resource.HasPendingTimeoutMs, resource.PendingTimeoutMs);
        AddNumber(node, "deadlockTimeout", resource.HasDeadlockTimeoutMs, resource.DeadlockTimeoutMs);
        AddNumber(node, "restartAction", resource.HasRestartAction, resource.RestartAction);
        AddNumber(node, "restartThreshold", resource.HasRestartThreshold, resource.RestartThreshold);
        AddNumber(node, "restartPeriod", resource.HasRestartPeriodMs, resource.RestartPeriodMs);
        AddNumber(node, "restartDelay", resource.HasRestartDelayMs, resource.RestartDelayMs);
        AddNumber(node, "retryPeriodOnFailure", resource.HasRetryPeriodOnFailureMs, resource.RetryPeriodOnFailureMs);
        if (resource.Properties.Count > 0)
        {
            var properties = new YamlMappingNode();
            foreach (var (name, value) in resource.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                properties.Add(name, new YamlScalarNode(value) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted });
            }

            node.Add("properties", properties);
        }

        return node;
    }

    private static void AddText(YamlMappingNode node, string key, string value)
    {
        if (value.Length > 0)
        {
            node.Add(key, new YamlScalarNode(value) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted });
        }
    }

    private static void AddList(YamlMappingNode node, string key, Google.Protobuf.Collections.RepeatedField<string> values)
    {
        if (values.Count > 0)
        {
            node.Add(key, new YamlSequenceNode(values.Select(v => new YamlScalarNode(v))) { Style = YamlDotNet.Core.Events.SequenceStyle.Flow });
        }
    }

    private static void AddNumber<T>(YamlMappingNode node, string key, bool isSet, T value)
        where T : IFormattable
    {
        if (isSet)
        {
            node.Add(key, value.ToString(null, CultureInfo.InvariantCulture));
        }
    }
}
