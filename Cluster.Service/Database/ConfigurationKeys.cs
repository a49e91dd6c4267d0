using System.Collections.Immutable;
using Cluster.Protocol.Config.V1;
using Cluster.Protocol.Rhs.V1;
using Cluster.Service.Store;
using Google.Protobuf;

namespace Cluster.Service.Database;

/// <summary>Where the cluster database lives in the store, and how it is read from and written to keys.</summary>
internal static class ConfigurationKeys
{
    public const string Root = "/cluster/";
    public const string Types = "/cluster/types/";
    public const string Groups = "/cluster/groups/";
    public const string Resources = "/cluster/resources/";
    public const string Persistent = "/cluster/persistent/";
    public const string Owners = "/cluster/owners/";
    public const string Nodes = "/cluster/nodes/";
    public const string Members = "/cluster/members/";
    public const string FailoverRequests = "/cluster/failover/";
    public const string FailedGroups = "/cluster/failed/";

    /// <summary>The coordinator's name, on its lease: whoever holds it decides placement.</summary>
    public const string Coordinator = "/cluster/coordinator";

    /// <summary>Bumped by every administrative change, which compares it first: changes apply one at a time.</summary>
    public const string Guard = "/cluster/config-guard";

    /// <summary>The configuration held by <paramref name="items"/> (a range over <see cref="Root"/>).</summary>
    public static ClusterConfiguration Parse(IReadOnlyList<KeyValue> items, long revision)
    {
        var types = StoredEquality.DictionaryBuilder<ResourceTypeRef>();
        var groups = StoredEquality.DictionaryBuilder<Group>();
        var resources = StoredEquality.DictionaryBuilder<Resource>();
        var persistent = ImmutableSortedDictionary.CreateBuilder<string, bool>(StringComparer.Ordinal);
        var owners = StoredEquality.DictionaryBuilder<Ownership>();
        var ownerRevisions = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        var nodes = StoredEquality.DictionaryBuilder<Protocol.Config.V1.Node>();
        var members = StoredEquality.DictionaryBuilder<Member>();
        var requests = StoredEquality.DictionaryBuilder<FailoverRequest>();
        var failed = StoredEquality.DictionaryBuilder<FailedGroup>();
        string? coordinator = null;
        long guard = 0;
        foreach (var item in items)
        {
            var key = item.Key;
            if (key.StartsWith(Types, StringComparison.Ordinal))
            {
                types[key[Types.Length..]] = ResourceTypeRef.Parser.ParseFrom(item.Value);
            }
            else if (key.StartsWith(Groups, StringComparison.Ordinal))
            {
                groups[key[Groups.Length..]] = Group.Parser.ParseFrom(item.Value);
            }
            else if (key.StartsWith(Resources, StringComparison.Ordinal))
            {
                resources[key[Resources.Length..]] = Resource.Parser.ParseFrom(item.Value);
            }
            else if (key.StartsWith(Persistent, StringComparison.Ordinal))
            {
                persistent[key[Persistent.Length..]] = PersistentState.Parser.ParseFrom(item.Value).Online;
            }
            else if (key.StartsWith(Owners, StringComparison.Ordinal))
            {
                owners[key[Owners.Length..]] = Ownership.Parser.ParseFrom(item.Value);
                ownerRevisions[key[Owners.Length..]] = item.ModRevision;
            }
            else if (key.StartsWith(Nodes, StringComparison.Ordinal))
            {
                nodes[key[Nodes.Length..]] = Protocol.Config.V1.Node.Parser.ParseFrom(item.Value);
            }
            else if (key.StartsWith(Members, StringComparison.Ordinal))
            {
                members[key[Members.Length..]] = Member.Parser.ParseFrom(item.Value);
            }
            else if (key.StartsWith(FailoverRequests, StringComparison.Ordinal))
            {
                requests[key[FailoverRequests.Length..]] = FailoverRequest.Parser.ParseFrom(item.Value);
            }
            else if (key.StartsWith(FailedGroups, StringComparison.Ordinal))
            {
                failed[key[FailedGroups.Length..]] = FailedGroup.Parser.ParseFrom(item.Value);
            }
            else if (key == Coordinator)
            {
                coordinator = System.Text.Encoding.UTF8.GetString(item.Value);
            }
            else if (key == Guard)
            {
                guard = item.ModRevision;
            }
        }

        return new ClusterConfiguration
        {
            Types = types.ToImmutable(),
            Groups = groups.ToImmutable(),
            Resources = resources.ToImmutable(),
            PersistentOnline = persistent.ToImmutable(),
            Owners = owners.ToImmutable(),
            OwnerRevisions = ownerRevisions.ToImmutable(),
            Nodes = nodes.ToImmutable(),
            Members = members.ToImmutable(),
            FailoverRequests = requests.ToImmutable(),
            FailedGroups = failed.ToImmutable(),
            Coordinator = coordinator,
            Revision = revision,
            GuardRevision = guard,
        };
    }

    /// <summary>
    /// The puts and deletes that turn <paramref name="before"/> into <paramref name="after"/>: groups,
    /// resources, persistent states, owners and nodes (types, members and requests have writers of their own).
    /// </summary>
    public static IReadOnlyList<StoreOperation> Diff(ClusterConfiguration before, ClusterConfiguration after)
    {
        var operations = new List<StoreOperation>();
        Compare(Groups, before.Groups, after.Groups, g => g.ToByteArray(), operations);
        Compare(Resources, before.Resources, after.Resources, r => r.ToByteArray(), operations);
        Compare(Persistent, before.PersistentOnline, after.PersistentOnline, online => new PersistentState { Online = online }.ToByteArray(), operations);
        Compare(Owners, before.Owners, after.Owners, o => o.ToByteArray(), operations);
        Compare(Nodes, before.Nodes, after.Nodes, n => n.ToByteArray(), operations);
        return operations;
    }

    private static void Compare<T>(
        string prefix, IReadOnlyDictionary<string, T> before, IReadOnlyDictionary<string, T> after, Func<T, byte[]> serialize, List<StoreOperation> operations)
    {
        foreach (var (name, value) in after)
        {
            if (!before.TryGetValue(name, out var old) || !(old is IMessage o && value is IMessage v ? StoredEquality.Same(o, v) : Equals(old, value)))
            {
                operations.Add(StoreOperation.Put(prefix + name, serialize(value)));
            }
        }

        operations.AddRange(before.Keys.Where(name => !after.ContainsKey(name)).Select(name => StoreOperation.Delete(prefix + name)));
    }
}
