using Cluster.Protocol.Config.V1;
using Cluster.Service.Database;
using Cluster.Service.Store;
using Cluster.Service.Store.Etcd;

namespace Cluster.Service.Cli;

/// <summary>
/// The nodes that are Up as the cluster store lists them (their member keys), for a client whose cluster is
/// on etcd: a node on another machine has no record in this machine's cluster directory, but its member key
/// names its admin endpoint. The embedded store needs none of this: its nodes share the directory.
/// </summary>
internal static class StoreMembers
{
    private static readonly EtcdStoreOptions s_quick = new() { CallTimeout = TimeSpan.FromSeconds(1) };

    /// <summary>The members, as node records; empty for the embedded store, or when no etcd member answers (the directory's records then stand alone).</summary>
    public static IReadOnlyList<NodeRecord> Read(ClusterDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return directory.ReadStoreLocation() is { IsEtcd: true } location
            ? Task.Run(() => ReadAsync(location)).GetAwaiter().GetResult() // a CLI call: nothing to block but itself
            : [];
    }

    private static async Task<IReadOnlyList<NodeRecord>> ReadAsync(StoreLocation location)
    {
        await using var store = EtcdClusterStore.Connect(location.EtcdEndpoints, s_quick);
        foreach (var _ in location.EtcdEndpoints)
        {
            try
            {
                var (members, _) = await store.RangeAsync(ConfigurationKeys.Members).ConfigureAwait(false);
                return [.. members.Select(kv => Member.Parser.ParseFrom(kv.Value))
                    .Select(m => new NodeRecord(m.Name, m.Pid, m.Endpoint, DateTimeOffset.FromUnixTimeMilliseconds(m.StartedUnixMs)))];
            }
            catch (ClusterStoreException)
            {
                // That member did not answer: the store moved on to the next one.
            }
        }

        return [];
    }
}
