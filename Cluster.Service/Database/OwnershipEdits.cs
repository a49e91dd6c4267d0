using Cluster.Protocol.Config.V1;
using Cluster.Protocol;
using Cluster.Service.Coordinator;

namespace Cluster.Service.Database;

/// <summary>
/// An administrator's changes to where groups run and which nodes take them: pause and resume, planned
/// moves. Pure, like <see cref="ConfigurationEdits"/>; eligibility is the coordinator's own
/// <see cref="PlacementPolicy"/>, so an administrator cannot place a group where the policy would not.
/// </summary>
internal static class OwnershipEdits
{
    /// <summary>
    /// The ownership after a planned move's hand-over: the target owns the group under the next epoch and
    /// its own current lease, and the failover history goes with it (FailoverThreshold counts per group).
    /// </summary>
    public static Ownership HandOver(ClusterConfiguration configuration, Ownership moving, string from)
    {
        var next = new Ownership
        {
            Node = moving.MovingTo, Epoch = moving.Epoch + 1, Reason = $"moved from {from}", Lease = configuration.LeaseOf(moving.MovingTo),
        };
        next.FailoversUnixMs.AddRange(moving.FailoversUnixMs);
        return next;
    }

    /// <summary>Pauses a node; with <paramref name="drain"/> its groups move to the next eligible node (those that cannot, stay).</summary>
    public static ClusterConfiguration Pause(ClusterConfiguration configuration, string node, bool drain)
    {
        var info = GetNode(configuration, node).Clone();
        info.Paused = true;
        var next = configuration with { Nodes = configuration.Nodes.SetItem(node, info) };
        if (!drain)
        {
            return next;
        }

        foreach (var group in configuration.GroupsOwnedBy(node).ToList())
        {
            if (PlacementPolicy.Next(next, group, node) is { } target)
            {
                next = MoveTo(next, group, target, $"drained off {node}");
                info.DrainedGroups.Add(group);
            }
        }

        return next with { Nodes = next.Nodes.SetItem(node, info) };
    }

    /// <summary>Sets a node's properties: MaxGroups (0 or empty: no limit) and named capacities (Capacity.NAME; empty: no limit).</summary>
    public static ClusterConfiguration SetNode(ClusterConfiguration configuration, string node, IReadOnlyDictionary<string, string> settings)
    {
        var info = GetNode(configuration, node).Clone();
        foreach (var (key, value) in settings)
        {
            if (NamedQuantities.TryName(key, NamedQuantities.CapacityPrefix, out var quantity))
            {
                NamedQuantities.Set(info.Capacities, key, quantity, value);
                continue;
            }

            if (!key.Equals("MaxGroups", StringComparison.OrdinalIgnoreCase))
            {
                throw new ClusterException(ClusterErrorKind.InvalidArgument, $"Nodes have no property {key} (they have: MaxGroups, and Capacity.NAME for a named capacity).");
            }

            info.MaxGroups = value.Trim().Length == 0 ? 0 // back to the default: no limit
                : uint.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var max)
                ? max
                : throw new ClusterException(ClusterErrorKind.InvalidArgument, $"Property MaxGroups must be a whole number from 0 (no limit) to {uint.MaxValue}, not '{value}'.");
        }

        return configuration with { Nodes = configuration.Nodes.SetItem(node, info) };
    }

    /// <summary>Resumes a node; with <paramref name="failback"/> the groups drained off it move back.</summary>
    public static ClusterConfiguration Resume(ClusterConfiguration configuration, string node, bool failback)
    {
        var info = GetNode(configuration, node).Clone();
        info.Paused = false;
        var drained = info.DrainedGroups.ToList();
        info.DrainedGroups.Clear();
        var next = configuration with { Nodes = configuration.Nodes.SetItem(node, info) };
        if (failback)
        {
            foreach (var group in drained.Where(g => next.Groups.ContainsKey(g) && next.OwnerOf(g) != node))
            {
                if (PlacementPolicy.Ineligibility(next, group, node) is null)
                {
                    next = MoveTo(next, group, node, $"failback to {node}");
                }
            }
        }

        return next;
    }

    /// <summary>A planned move to <paramref name="to"/>, or (null) to the next eligible node after the owner.</summary>
    /// <exception cref="ClusterException">The group or node is unknown, or the node cannot host the group; the reason is named.</exception>
    public static ClusterConfiguration Move(ClusterConfiguration configuration, string group, string? to)
    {
        configuration.GetGroup(group);
        var owner = configuration.OwnerOf(group);
        string target;
        if (string.IsNullOrEmpty(to))
        {
            target = PlacementPolicy.Next(configuration, group, owner)
                ?? throw new ClusterException(ClusterErrorKind.FailedPrecondition, $"Group {group} has no other node to move to.");
        }
        else
        {
            GetNode(configuration, to);
            if (to == owner)
            {
                return configuration;
            }

            if (PlacementPolicy.Ineligibility(configuration, group, to) is { } reason)
            {
                throw new ClusterException(ClusterErrorKind.FailedPrecondition, $"Group {group} cannot move to node {to}: {reason}.");
            }

            target = to;
        }

        return MoveTo(configuration, group, target, $"moved by an administrator to {target}");
    }

    /// <summary>
    /// The owner hands the group over once it is offline; a group whose owner is down or that has none
    /// goes straight to the target.
    /// </summary>
    private static ClusterConfiguration MoveTo(ClusterConfiguration configuration, string group, string target, string reason)
    {
        var ownership = configuration.Owners.TryGetValue(group, out var old) ? old.Clone() : new Ownership();
        ownership.Epoch++;
        ownership.Reason = reason;
        if (configuration.OwnerHolds(group))
        {
            ownership.MovingTo = target;
        }
        else
        {
            ownership.Node = target;
            ownership.Lease = configuration.LeaseOf(target);
            ownership.MovingTo = string.Empty;
        }

        return configuration with { Owners = configuration.Owners.SetItem(group, ownership) };
    }

    private static Protocol.Config.V1.Node GetNode(ClusterConfiguration configuration, string node) =>
        configuration.Nodes.TryGetValue(node, out var info)
            ? info
            : throw new ClusterException(ClusterErrorKind.NotFound,
                $"There is no node '{node}' (there {(configuration.Nodes.IsEmpty ? "are none" : "are: " + string.Join(", ", configuration.Nodes.Keys))}).");
}
