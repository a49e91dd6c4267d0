using Cluster.Protocol.Config.V1;
using Cluster.Protocol;

namespace Cluster.Service.Database;

/// <summary>
/// The administrator's changes to the cluster database, as pure functions from one configuration to the
/// next. Each refuses what it cannot do with an <see cref="ClusterException"/> naming the culprit; whole-file
/// checks (types, properties, cycles) are <see cref="ConfigurationValidator"/>'s.
/// </summary>
internal static class ConfigurationEdits
{
    public static ClusterConfiguration CreateGroup(ClusterConfiguration configuration, Group group)
    {
        if (configuration.Groups.ContainsKey(group.Name))
        {
            throw new ClusterException(ClusterErrorKind.AlreadyExists, $"Group {group.Name} exists already.");
        }

        return configuration with { Groups = configuration.Groups.Add(group.Name, group) };
    }

    public static ClusterConfiguration SetGroup(ClusterConfiguration configuration, string name, IReadOnlyDictionary<string, string> settings)
    {
        var group = configuration.GetGroup(name).Clone();
        foreach (var (key, value) in settings)
        {
            CommonProperties.SetOnGroup(group, key, value);
        }

        return configuration with { Groups = configuration.Groups.SetItem(name, group) };
    }

    /// <summary>Deletes a group; one with resources only when <paramref name="withResources"/> (WSFC: -RemoveResources).</summary>
    public static ClusterConfiguration DeleteGroup(ClusterConfiguration configuration, string name, bool withResources)
    {
        configuration.GetGroup(name);
        var resources = configuration.ResourcesOf(name).Select(r => r.Name).ToList();
        if (resources.Count > 0 && !withResources)
        {
            throw new ClusterException(ClusterErrorKind.FailedPrecondition,
                $"Group {name} still has resources ({string.Join(", ", resources)}): delete them first, or delete the group with --remove-resources.");
        }

        return configuration with
        {
            Groups = configuration.Groups.Remove(name),
            Resources = configuration.Resources.RemoveRange(resources),
            PersistentOnline = configuration.PersistentOnline.RemoveRange(resources),
            Owners = configuration.Owners.Remove(name),
        };
    }

    /// <summary>Adds a resource; it starts with persistent state Offline, as in WSFC.</summary>
    public static ClusterConfiguration CreateResource(ClusterConfiguration configuration, Resource resource)
    {
        if (configuration.Resources.TryGetValue(resource.Name, out var existing))
        {
            throw new ClusterException(ClusterErrorKind.AlreadyExists, $"Resource {resource.Name} exists already (in group {existing.Group}).");
        }

        configuration.GetGroup(resource.Group);
        return configuration with { Resources = configuration.Resources.Add(resource.Name, resource) };
    }

    /// <summary>Sets common properties (RestartAction, DependsOn...) or private ones; an empty value restores the default.</summary>
    public static ClusterConfiguration SetResource(ClusterConfiguration configuration, string name, IReadOnlyDictionary<string, string> settings)
    {
        var resource = configuration.GetResource(name).Clone();
        foreach (var (key, value) in settings)
        {
            CommonProperties.SetOnResource(resource, key, value);
        }

        return configuration with { Resources = configuration.Resources.SetItem(name, resource) };
    }

    /// <summary>Deletes a resource nothing depends on; its RCM takes it offline and closes it.</summary>
    public static ClusterConfiguration DeleteResource(ClusterConfiguration configuration, string name)
    {
        configuration.GetResource(name);
        var dependants = configuration.Resources.Values.Where(r => r.DependsOn.Contains(name)).Select(r => r.Name).ToList();
        if (dependants.Count > 0)
        {
            throw new ClusterException(ClusterErrorKind.FailedPrecondition,
                $"Resource {name} is a dependency of {string.Join(", ", dependants)}: remove those dependencies first.");
        }

        return configuration with
        {
            Resources = configuration.Resources.Remove(name),
            PersistentOnline = configuration.PersistentOnline.Remove(name),
        };
    }

    /// <summary>
    /// An administrator's Online or Offline. For a group: every resource of it. For a resource: Online
    /// takes what it depends on along, Offline what depends on it.
    /// </summary>
    public static ClusterConfiguration SetPersistentState(ClusterConfiguration configuration, string? group, string? resource, bool online)
    {
        string groupName;
        if (resource is not null)
        {
            groupName = configuration.GetResource(resource).Group;
        }
        else
        {
            groupName = group ?? throw new ClusterException(ClusterErrorKind.InvalidArgument, "Name a group or a resource.");
            configuration.GetGroup(groupName);
        }

        var scope = ConfigurationMapping.Definition(configuration, groupName).PersistentStateScope(resource, online);
        var next = configuration with { PersistentOnline = configuration.PersistentOnline.SetItems(scope.Select(r => KeyValuePair.Create(r, online))) };
        if (online && configuration.Owners.TryGetValue(groupName, out var ownership) && ownership.FailoversUnixMs.Count > 0)
        {
            // An administrator's Online gives a group that exhausted its failovers a fresh start, as it does its resources.
            var fresh = ownership.Clone();
            fresh.FailoversUnixMs.Clear();
            fresh.Reason = "brought online by an administrator";
            next = next with { Owners = next.Owners.SetItem(groupName, fresh) };
        }

        return next;
    }

    /// <summary>
    /// Declares groups and resources, creating or replacing each as given. What the request does not
    /// mention is left as it is, or with <paramref name="prune"/> deleted (a group with its owner, a resource
    /// with its persistent state; a kept resource that depends on a deleted one is refused by validation).
    /// A group's persistent state, when given, applies to all its resources.
    /// </summary>
    public static ClusterConfiguration Apply(
        ClusterConfiguration configuration, IReadOnlyList<Group> groups, IReadOnlyList<Resource> resources, IReadOnlyDictionary<string, bool> groupOnline,
        bool prune = false)
    {
        Unique("group", groups.Select(g => g.Name));
        Unique("resource", resources.Select(r => r.Name));
        if (prune)
        {
            var leftOutGroups = configuration.Groups.Keys.Except(groups.Select(g => g.Name)).ToList();
            var leftOutResources = configuration.Resources.Keys.Except(resources.Select(r => r.Name)).ToList();
            configuration = configuration with
            {
                Groups = configuration.Groups.RemoveRange(leftOutGroups),
                Owners = configuration.Owners.RemoveRange(leftOutGroups),
                Resources = configuration.Resources.RemoveRange(leftOutResources),
                PersistentOnline = configuration.PersistentOnline.RemoveRange(leftOutResources),
            };
        }

        var next = configuration with
        {
            Groups = configuration.Groups.SetItems(groups.Select(g => KeyValuePair.Create(g.Name, g))),
            Resources = configuration.Resources.SetItems(resources.Select(r => KeyValuePair.Create(r.Name, r))),
        };
        foreach (var (group, online) in groupOnline)
        {
            next = SetPersistentState(next, group, null, online);
        }

        return next;
    }

    /// <summary>What changed between two configurations, one line per object, for the administrator.</summary>
    public static IReadOnlyList<string> Describe(ClusterConfiguration before, ClusterConfiguration after)
    {
        var lines = new List<string>();
        Describe("group", before.Groups, after.Groups, lines);
        Describe("resource", before.Resources, after.Resources, lines);
        foreach (var (group, ownership) in after.Owners.Where(o => !before.Owners.TryGetValue(o.Key, out var old) || (old.Node, old.MovingTo) != (o.Value.Node, o.Value.MovingTo)))
        {
            lines.Add(ownership.MovingTo.Length > 0
                ? $"group {group} moves from {ownership.Node} to {ownership.MovingTo}"
                : $"group {group}: owner {(ownership.Node.Length > 0 ? ownership.Node : "none")}");
        }

        foreach (var (node, info) in after.Nodes.Where(n => before.Nodes.TryGetValue(n.Key, out var old) && old.Paused != n.Value.Paused))
        {
            lines.Add($"node {node} {(info.Paused ? "paused" : "resumed")}");
        }

        foreach (var (node, info) in after.Nodes.Where(n => before.Nodes.TryGetValue(n.Key, out var old) && old.MaxGroups != n.Value.MaxGroups))
        {
            lines.Add($"node {node}: MaxGroups {(info.MaxGroups == 0 ? "no limit" : info.MaxGroups.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        }

        foreach (var (node, info) in after.Nodes.Where(n => before.Nodes.TryGetValue(n.Key, out var old) && !old.Capacities.Equals(n.Value.Capacities)))
        {
            var old = before.Nodes[node].Capacities;
            foreach (var quantity in info.Capacities.Keys.Union(old.Keys).Order(StringComparer.Ordinal)
                .Where(q => info.Capacities.GetValueOrDefault(q, uint.MaxValue) != old.GetValueOrDefault(q, uint.MaxValue)))
            {
                lines.Add($"node {node}: Capacity.{quantity} {(info.Capacities.TryGetValue(quantity, out var amount) ? amount.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no limit")}");
            }
        }

        foreach (var name in after.Resources.Keys.Where(n => before.IsPersistedOnline(n) != after.IsPersistedOnline(n)))
        {
            lines.Add($"resource {name}: persistent state {(after.IsPersistedOnline(name) ? "Online" : "Offline")}");
        }

        return lines;
    }

    private static void Describe<T>(string noun, IReadOnlyDictionary<string, T> before, IReadOnlyDictionary<string, T> after, List<string> lines)
        where T : Google.Protobuf.IMessage
    {
        foreach (var (name, value) in after)
        {
            if (!before.TryGetValue(name, out var old))
            {
                lines.Add($"created {noun} {name}");
            }
            else if (!StoredEquality.Same(old, value))
            {
                lines.Add($"updated {noun} {name}");
            }
        }

        lines.AddRange(before.Keys.Where(name => !after.ContainsKey(name)).Select(name => $"deleted {noun} {name}"));
    }

    private static void Unique(string noun, IEnumerable<string> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!seen.Add(name))
            {
                throw new ClusterException(ClusterErrorKind.InvalidArgument, $"The {noun} {name} is declared twice.");
            }
        }
    }
}
