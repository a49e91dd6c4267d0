using Cluster.Protocol.Config.V1;
using Cluster.Service.Database;

namespace Cluster.Service.Coordinator;

/// <summary>
/// Where groups run: the Failover Manager's policy as pure functions of the cluster database and the
/// time, in the manner of the RCM's <c>GroupController</c>. Nothing here does I/O or reads a clock.
/// </summary>
/// <remarks>
/// A group's candidates are its PreferredOwners in order, then the other nodes in node order. A node is
/// eligible when it is up, not paused, a possible owner of every resource of the group, and has room for
/// it: below MaxGroups, and each named capacity (Capacity.NAME) with room for the group's weight of it. A failover goes to the next eligible candidate after the failing node; one
/// past FailoverThreshold within FailoverPeriod leaves the group Failed (event 1254). With
/// AutoFailbackType 1, a group fails back to its most preferred eligible node inside the failback window.
/// Groups are considered by Priority, highest first, so they take capacity first.
/// </remarks>
internal static class PlacementPolicy
{
    public static readonly TimeSpan DefaultFailoverPeriod = TimeSpan.FromHours(6);

    /// <summary>The ownership changes the cluster needs now; empty when every group is where it should be.</summary>
    public static IReadOnlyList<PlacementDecision> Decide(ClusterConfiguration configuration, DateTimeOffset now)
    {
        var decisions = new List<PlacementDecision>();
        var load = NodeLoad.Of(configuration);
        var groups = configuration.Groups.Values.OrderByDescending(g => g.HasPriority ? g.Priority : 2000).ThenBy(g => g.Name, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            if (DecideOne(configuration, group, now, load) is { } decision)
            {
                if (MeantToRun(configuration, group.Name) && configuration.OwnerOf(group.Name) is { } old)
                {
                    load.Remove(old, group);
                }

                if (MeantToRun(configuration, group.Name) && decision.Ownership.Node.Length > 0)
                {
                    load.Add(decision.Ownership.Node, group);
                }

                decisions.Add(decision);
            }
        }

        return decisions;
    }

    /// <summary>
    /// Failover requests that are done with and can be deleted: those this round decides (the group
    /// moves now), and those about an ownership that no longer is (the group moved, or is gone).
    /// A request about the current ownership that no decision answers stays until one does.
    /// </summary>
    public static IReadOnlyList<string> SettledFailoverRequests(ClusterConfiguration configuration, IReadOnlyList<PlacementDecision> decisions) =>
        [.. configuration.FailoverRequests
            .Where(r => decisions.Any(d => d.Group == r.Key) || !configuration.Owners.TryGetValue(r.Key, out var owner) || owner.Epoch != r.Value.Epoch)
            .Select(r => r.Key)];

    /// <summary>Candidates in order: PreferredOwners that are nodes, then the other nodes by name.</summary>
    public static IReadOnlyList<string> Candidates(ClusterConfiguration configuration, string group)
    {
        var preferred = configuration.GetGroup(group).PreferredOwners.Where(configuration.Nodes.ContainsKey).ToList();
        return [.. preferred, .. configuration.Nodes.Keys.Where(n => !preferred.Contains(n))];
    }

    /// <summary>Why <paramref name="node"/> cannot host the group now; null when it can.</summary>
    public static string? Ineligibility(ClusterConfiguration configuration, string group, string node, NodeLoad? load = null)
    {
        if (!configuration.Nodes.TryGetValue(node, out var info))
        {
            return $"there is no node {node}";
        }

        if (!configuration.Members.ContainsKey(node))
        {
            return $"node {node} is down";
        }

        if (info.Paused)
        {
            return $"node {node} is paused";
        }

        if (configuration.ResourcesOf(group).FirstOrDefault(r => r.PossibleOwners.Count > 0 && !r.PossibleOwners.Contains(node)) is { } resource)
        {
            return $"node {node} is not a possible owner of resource {resource.Name}";
        }

        if (configuration.OwnerOf(group) == node)
        {
            return null; // it takes its place there already
        }

        load ??= NodeLoad.Of(configuration);
        if (info.MaxGroups > 0 && load.Groups(node) >= info.MaxGroups)
        {
            return $"node {node} is at its capacity of {info.MaxGroups} groups";
        }

        var definition = configuration.GetGroup(group);
        foreach (var (quantity, capacity) in info.Capacities.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (definition.Weights.TryGetValue(quantity, out var weight) && load.Units(node, quantity) + weight > capacity)
            {
                return $"node {node} has {capacity - Math.Min(capacity, load.Units(node, quantity))} of its {capacity} {quantity} free, and group {group} needs {weight}";
            }
        }

        return null;
    }

    /// <summary>The first eligible candidate after <paramref name="after"/> in the group's list (wrapping), never <paramref name="after"/> itself; null: none.</summary>
    public static string? Next(ClusterConfiguration configuration, string group, string? after, NodeLoad? load = null)
    {
        var candidates = Candidates(configuration, group);
        var start = after is null ? 0 : candidates.ToList().IndexOf(after) + 1;
        return Enumerable.Range(0, candidates.Count)
            .Select(i => candidates[(start + i) % candidates.Count])
            .FirstOrDefault(n => n != after && Ineligibility(configuration, group, n, load) is null);
    }

    /// <summary>FailoverThreshold, or WSFC's default: the number of nodes less one (at least 1).</summary>
    public static int FailoverThreshold(ClusterConfiguration configuration, Group group) =>
        group.HasFailoverThreshold ? (int)group.FailoverThreshold : Math.Max(1, configuration.Nodes.Count - 1);

    /// <summary>Whether the hour of <paramref name="now"/> is inside the group's failback window (-1 at either end: any hour).</summary>
    public static bool InFailbackWindow(Group group, DateTimeOffset now)
    {
        var start = group.HasFailbackWindowStart ? group.FailbackWindowStart : -1;
        var end = group.HasFailbackWindowEnd ? group.FailbackWindowEnd : -1;
        if (start < 0 || end < 0)
        {
            return true;
        }

        var hour = now.Hour;
        return start <= end ? hour >= start && hour < end : hour >= start || hour < end;
    }

    private static PlacementDecision? DecideOne(ClusterConfiguration configuration, Group group, DateTimeOffset now, NodeLoad load)
    {
        var name = group.Name;
        var own = configuration.Owners.GetValueOrDefault(name);
        configuration.FailoverRequests.TryGetValue(name, out var request);
        if (own is null || own.Node.Length == 0)
        {
            if (own is not null && Exhausted(configuration, group, own, now))
            {
                return null; // stays Failed until an administrator brings it online or moves it
            }

            return Next(configuration, name, null, load) is { } first
                ? new PlacementDecision(name, With(configuration, own, first, own?.FailoversUnixMs, $"placed on {first}"), $"group {name} placed on node {first}")
                : null;
        }

        if (!configuration.OwnerHolds(name))
        {
            var target = own.MovingTo.Length > 0 && Ineligibility(configuration, name, own.MovingTo, load) is null
                ? own.MovingTo
                : Next(configuration, name, own.Node, load);
            var cause = configuration.Members.ContainsKey(own.Node) ? $"node {own.Node} came back with a new lease" : $"node {own.Node} is down";
            return Failover(configuration, group, own, target, now, cause, stayOnOwner: false);
        }

        if (request is not null && request.Node == own.Node && request.Epoch == own.Epoch && own.MovingTo.Length == 0)
        {
            return Next(configuration, name, own.Node, load) is { } target
                ? Failover(configuration, group, own, target, now, $"restart threshold exceeded on {own.Node}: {request.Reason}", stayOnOwner: true)
                : new PlacementDecision(name, With(configuration, own, own.Node, own.FailoversUnixMs, "failed; no other node can host it"),
                    $"group {name} failed on node {own.Node}, and no other node can host it: it stays Failed", 1205);
        }

        if (own.MovingTo.Length == 0
            && configuration.ResourcesOf(name).FirstOrDefault(r => r.PossibleOwners.Count > 0 && !r.PossibleOwners.Contains(own.Node)) is { } excluded
            && Next(configuration, name, own.Node, load) is { } allowed)
        {
            var moving = own.Clone();
            moving.MovingTo = allowed;
            moving.Reason = $"node {own.Node} is no longer a possible owner of {excluded.Name}";
            return new PlacementDecision(name, moving, $"group {name} moves from node {own.Node} to {allowed}: {moving.Reason}");
        }

        if (own.MovingTo.Length == 0 && group.AutoFailbackType == 1 && InFailbackWindow(group, now)
            && group.PreferredOwners.FirstOrDefault(p => Ineligibility(configuration, name, p, load) is null) is { } best
            && best != own.Node && Rank(group, best) < Rank(group, own.Node))
        {
            var moving = own.Clone();
            moving.MovingTo = best;
            moving.Reason = $"failback to {best}";
            return new PlacementDecision(name, moving, $"group {name} fails back from node {own.Node} to its preferred owner {best}");
        }

        return null;
    }

    private static PlacementDecision Failover(
        ClusterConfiguration configuration, Group group, Ownership own, string? target, DateTimeOffset now, string cause, bool stayOnOwner)
    {
        var name = group.Name;
        var period = group.HasFailoverPeriodHours ? TimeSpan.FromHours(group.FailoverPeriodHours) : DefaultFailoverPeriod;
        var recent = own.FailoversUnixMs.Where(t => t > (now - period).ToUnixTimeMilliseconds()).ToList();
        var threshold = FailoverThreshold(configuration, group);
        if (recent.Count >= threshold)
        {
            var stays = stayOnOwner ? own.Node : string.Empty;
            return new PlacementDecision(name, With(configuration, own, stays, recent, "failover threshold exceeded"),
                $"group {name}: {cause}; failover threshold {threshold} within {period.TotalHours} h exceeded: it stays Failed", 1254);
        }

        if (target is null)
        {
            return new PlacementDecision(name, With(configuration, own, string.Empty, recent, "no node can host it"),
                $"group {name}: {cause}; no node can host it now", 1205);
        }

        recent.Add(now.ToUnixTimeMilliseconds());
        return new PlacementDecision(name, With(configuration, own, target, recent, $"failed over from {own.Node}"),
            $"group {name} fails over from node {own.Node} to node {target}: {cause}");
    }

    private static Ownership With(ClusterConfiguration configuration, Ownership? old, string node, IEnumerable<long>? failovers, string reason)
    {
        var next = new Ownership { Node = node, Epoch = (old?.Epoch ?? 0) + 1, Reason = reason, Lease = configuration.LeaseOf(node) };
        next.FailoversUnixMs.AddRange(failovers ?? []);
        return next;
    }

    private static bool Exhausted(ClusterConfiguration configuration, Group group, Ownership own, DateTimeOffset now)
    {
        var period = group.HasFailoverPeriodHours ? TimeSpan.FromHours(group.FailoverPeriodHours) : DefaultFailoverPeriod;
        return own.FailoversUnixMs.Count(t => t > (now - period).ToUnixTimeMilliseconds()) >= FailoverThreshold(configuration, group);
    }

    private static int Rank(Group group, string node) =>
        group.PreferredOwners.IndexOf(node) is >= 0 and var index ? index : int.MaxValue;

    /// <summary>A group is meant to run when any of its resources is persisted Online.</summary>
    public static bool MeantToRun(ClusterConfiguration configuration, string group) =>
        configuration.ResourcesOf(group).Any(r => configuration.IsPersistedOnline(r.Name));
}
