using System.Collections.Immutable;
using Cluster.Protocol;
using Cluster.Protocol.Config.V1;
using Cluster.Protocol.Rhs.V1;

namespace Cluster.Service.Database;

/// <summary>
/// The cluster database at one revision: resource types, groups, resources, persistent states and
/// owners, as read from the store. Immutable; edits make a new one (see <see cref="ConfigurationEdits"/>).
/// </summary>
internal sealed record ClusterConfiguration
{
    public static ClusterConfiguration Empty { get; } = new();

    public ImmutableSortedDictionary<string, ResourceTypeRef> Types { get; init; } = StoredEquality.Dictionary<ResourceTypeRef>();

    public ImmutableSortedDictionary<string, Group> Groups { get; init; } = StoredEquality.Dictionary<Group>();

    public ImmutableSortedDictionary<string, Resource> Resources { get; init; } = StoredEquality.Dictionary<Resource>();

    /// <summary>The administrator's persistent state per resource; a resource missing here is Offline.</summary>
    public ImmutableSortedDictionary<string, bool> PersistentOnline { get; init; } = ImmutableSortedDictionary.Create<string, bool>(StringComparer.Ordinal);

    public ImmutableSortedDictionary<string, Ownership> Owners { get; init; } = StoredEquality.Dictionary<Ownership>();

    /// <summary>The ModRevision of each owner key, for compare-and-swap on ownership.</summary>
    public ImmutableSortedDictionary<string, long> OwnerRevisions { get; init; } = ImmutableSortedDictionary.Create<string, long>(StringComparer.Ordinal);

    /// <summary>Every node that ever joined, in node order (by name).</summary>
    public ImmutableSortedDictionary<string, Protocol.Config.V1.Node> Nodes { get; init; } = StoredEquality.Dictionary<Protocol.Config.V1.Node>();

    /// <summary>The nodes whose lease is alive.</summary>
    public ImmutableSortedDictionary<string, Member> Members { get; init; } = StoredEquality.Dictionary<Member>();

    /// <summary>Groups their owner left Failed, by group (/cluster/failed/): they take no capacity there.</summary>
    public ImmutableSortedDictionary<string, FailedGroup> FailedGroups { get; init; } = StoredEquality.Dictionary<FailedGroup>();

    /// <summary>Whether the group's owner left it Failed under its current ownership (a marker of an older one does not count).</summary>
    public bool IsFailedOnOwner(string group) =>
        FailedGroups.TryGetValue(group, out var failed) && Owners.TryGetValue(group, out var owner) && owner.Node == failed.Node && owner.Epoch == failed.Epoch;

    public ImmutableSortedDictionary<string, FailoverRequest> FailoverRequests { get; init; } =
        StoredEquality.Dictionary<FailoverRequest>();

    /// <summary>The node that holds the coordinator key, if any.</summary>
    public string? Coordinator { get; init; }

    /// <summary>Up, Paused or Down, as `node list` spells them.</summary>
    public string NodeState(string node) =>
        !Members.ContainsKey(node) ? "Down" : Nodes.TryGetValue(node, out var n) && n.Paused ? "Paused" : "Up";

    /// <summary>
    /// Whether the group's owner is up under the lease it was given the group with. A node that came back
    /// with a new lease is up, but does not hold what it held before.
    /// </summary>
    public bool OwnerHolds(string group) =>
        Owners.TryGetValue(group, out var ownership) && ownership.Node.Length > 0
        && Members.TryGetValue(ownership.Node, out var member) && (ownership.Lease == 0 || ownership.Lease == member.Lease);

    /// <summary>The lease of a member, for a new ownership (0 when it is not up).</summary>
    public long LeaseOf(string node) => Members.TryGetValue(node, out var member) ? member.Lease : 0;

    public IEnumerable<string> GroupsOwnedBy(string node) => Owners.Where(o => o.Value.Node == node).Select(o => o.Key);

    /// <summary>The store revision this was read at (0 for one built in memory).</summary>
    public long Revision { get; init; }

    /// <summary>The ModRevision of the configuration guard key: every administrative change compares and bumps it.</summary>
    public long GuardRevision { get; init; }

    public IEnumerable<Resource> ResourcesOf(string group) => Resources.Values.Where(r => r.Group == group);

    public bool IsPersistedOnline(string resource) => PersistentOnline.GetValueOrDefault(resource);

    public string? OwnerOf(string group) => Owners.TryGetValue(group, out var owner) && owner.Node.Length > 0 ? owner.Node : null;

    public Group GetGroup(string name) =>
        Groups.TryGetValue(name, out var group) ? group : throw NotFound("group", name, Groups.Keys);

    public Resource GetResource(string name) =>
        Resources.TryGetValue(name, out var resource) ? resource : throw NotFound("resource", name, Resources.Keys);

    private static ClusterException NotFound(string noun, string name, IEnumerable<string> known)
    {
        var list = known.ToList();
        return new ClusterException(ClusterErrorKind.NotFound,
            $"There is no {noun} '{name}' (there {(list.Count == 0 ? "are none" : "are: " + string.Join(", ", list))}).");
    }
}
