using Cluster.Protocol.Config.V1;
using Cluster.Contracts.Resources;
using Resource = Cluster.Protocol.Config.V1.Resource;
using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol;
using Cluster.Service.Rcm;

namespace Cluster.Service.Database;

/// <summary>
/// Checks a whole configuration before it is written: names, references, ranges, dependencies (no cycles,
/// only within a group) and private properties against each type's schema. The first problem is an
/// <see cref="ClusterException"/> (InvalidArgument) whose message names the culprit.
/// </summary>
internal static class ConfigurationValidator
{
    private const uint MinimumIntervalMs = 10;

    /// <param name="configuration">The configuration as it would be after the change.</param>
    /// <param name="typeInfos">What each resource type used in it declares (its DLL loaded), by type name.</param>
    public static void Validate(ClusterConfiguration configuration, IReadOnlyDictionary<string, ResourceTypeInfo> typeInfos)
    {
        foreach (var group in configuration.Groups.Values)
        {
            CheckGroup(group);
        }

        foreach (var resource in configuration.Resources.Values)
        {
            CheckResource(configuration, resource, typeInfos);
        }

        foreach (var name in configuration.Groups.Keys)
        {
            try
            {
                ConfigurationMapping.Definition(configuration, name);
            }
            catch (GroupDefinitionException e)
            {
                throw Invalid(e.Message);
            }
        }
    }

    /// <summary>
    /// What a change may not do that a whole configuration could hold: name, as a preferred or possible owner,
    /// a node that is not a node of the cluster (one that never started). As WSFC does, a list that names one
    /// is refused where it is set; lists set before, when the node existed, stay as they are.
    /// </summary>
    public static void ValidateChange(ClusterConfiguration before, ClusterConfiguration after)
    {
        if (after.Nodes.Count == 0)
        {
            return; // no node has started yet (a database read without a cluster): nothing to check against
        }

        foreach (var group in after.Groups.Values)
        {
            if (!(before.Groups.TryGetValue(group.Name, out var old) && old.PreferredOwners.SequenceEqual(group.PreferredOwners)))
            {
                CheckNodes(after, $"PreferredOwners of group {group.Name}", group.PreferredOwners);
            }
        }

        foreach (var resource in after.Resources.Values)
        {
            if (!(before.Resources.TryGetValue(resource.Name, out var old) && old.PossibleOwners.SequenceEqual(resource.PossibleOwners)))
            {
                CheckNodes(after, $"PossibleOwners of resource {resource.Name}", resource.PossibleOwners);
            }
        }
    }

    private static void CheckNodes(ClusterConfiguration configuration, string what, IEnumerable<string> names)
    {
        if (names.FirstOrDefault(n => !configuration.Nodes.ContainsKey(n)) is { } unknown)
        {
            throw Invalid($"{what} names '{unknown}', which is not a node of the cluster (its nodes: {string.Join(", ", configuration.Nodes.Keys)}).");
        }
    }

    /// <summary>Names of groups, resources and nodes: letters, digits, '.', '_' and '-', starting with a letter or digit.</summary>
    public static void CheckName(string noun, string name)
    {
        if (name.Length is 0 or > 64 || !char.IsAsciiLetterOrDigit(name[0])
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw Invalid($"'{name}' is not a valid {noun} name: use up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }
    }

    /// <summary>Node names follow the rule `node run` enforces, so that a preferred owner can be a node at all.</summary>
    private static void CheckNodeName(string name)
    {
        if (!Node.NodeNames.IsValid(name))
        {
            throw Invalid($"'{name}' is not a valid node name: use 1 to 63 letters, digits, '-' or '_'.");
        }
    }

    private static void CheckGroup(Group group)
    {
        CheckName("group", group.Name);
        foreach (var owner in group.PreferredOwners)
        {
            CheckNodeName(owner);
        }

        if (group.PreferredOwners.Distinct(StringComparer.Ordinal).Count() != group.PreferredOwners.Count)
        {
            throw Invalid($"Group {group.Name} names a preferred owner twice.");
        }

        Range($"Group {group.Name}", "FailoverPeriod", group.HasFailoverPeriodHours, group.FailoverPeriodHours, 1, 1193);
        Range($"Group {group.Name}", "AutoFailbackType", group.HasAutoFailbackType, group.AutoFailbackType, 0, 1);
        Range($"Group {group.Name}", "FailbackWindowStart", group.HasFailbackWindowStart, group.FailbackWindowStart, -1, 23);
        Range($"Group {group.Name}", "FailbackWindowEnd", group.HasFailbackWindowEnd, group.FailbackWindowEnd, -1, 23);
        Range($"Group {group.Name}", "Priority", group.HasPriority, group.Priority, 0, 5000);
    }

    private static void CheckResource(ClusterConfiguration configuration, Resource resource, IReadOnlyDictionary<string, ResourceTypeInfo> typeInfos)
    {
        var name = resource.Name;
        CheckName("resource", name);
        if (!configuration.Groups.ContainsKey(resource.Group))
        {
            throw Invalid($"Resource {name} is in group '{resource.Group}', which does not exist.");
        }

        if (!configuration.Types.ContainsKey(resource.Type) || !typeInfos.TryGetValue(resource.Type, out var info))
        {
            throw Invalid(
                $"Resource {name} has type '{resource.Type}', which is not registered (registered: {string.Join(", ", configuration.Types.Keys)}).");
        }

        foreach (var owner in resource.PossibleOwners)
        {
            CheckNodeName(owner);
        }

        Range($"Resource {name}", "RestartAction", resource.HasRestartAction, resource.RestartAction, 0, 2);
        Range($"Resource {name}", "RestartThreshold", resource.HasRestartThreshold, resource.RestartThreshold, 0, 1000);
        Range($"Resource {name}", "RetryPeriodOnFailure", resource.HasRetryPeriodOnFailureMs, resource.RetryPeriodOnFailureMs, -1, long.MaxValue / 4);
        Range($"Resource {name}", "RestartPeriod", resource.HasRestartPeriodMs, (long)resource.RestartPeriodMs, 1, long.MaxValue / 4);
        Range($"Resource {name}", "RestartDelay", resource.HasRestartDelayMs, (long)resource.RestartDelayMs, 0, long.MaxValue / 4);
        Range($"Resource {name}", "LooksAlivePollInterval", resource.HasLooksAlivePollIntervalMs, resource.LooksAlivePollIntervalMs, MinimumIntervalMs, int.MaxValue);
        Range($"Resource {name}", "IsAlivePollInterval", resource.HasIsAlivePollIntervalMs, resource.IsAlivePollIntervalMs, MinimumIntervalMs, int.MaxValue);
        Range($"Resource {name}", "PendingTimeout", resource.HasPendingTimeoutMs, resource.PendingTimeoutMs, MinimumIntervalMs, int.MaxValue);
        Range($"Resource {name}", "DeadlockTimeout", resource.HasDeadlockTimeoutMs, resource.DeadlockTimeoutMs, MinimumIntervalMs, int.MaxValue);

        var declarations = info.Properties.ToDictionary(p => p.Name, Declaration, StringComparer.Ordinal);
        ResourceProperties.Validate(info.Name, declarations, resource.Properties, out var error);
        if (error is not null)
        {
            throw Invalid($"Resource {name}: {error}.");
        }
    }

    private static ResourcePropertyAttribute Declaration(PropertySchema schema) => new(schema.Name, schema.Kind switch
    {
        PropertyKind.Integer => ResourcePropertyKind.Number,
        PropertyKind.Boolean => ResourcePropertyKind.Boolean,
        _ => ResourcePropertyKind.Text,
    })
    {
        DefaultValue = schema.DefaultValue.Length > 0 ? schema.DefaultValue : null,
        Required = schema.Required,
        Minimum = schema.Minimum,
        Maximum = schema.Maximum,
    };

    private static void Range(string owner, string property, bool isSet, long value, long minimum, long maximum)
    {
        if (isSet && (value < minimum || value > maximum))
        {
            throw Invalid($"{owner}: {property} must be between {minimum} and {maximum}, not {value}.");
        }
    }

    private static ClusterException Invalid(string message) => new(ClusterErrorKind.InvalidArgument, message);
}
