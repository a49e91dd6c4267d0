using Cluster.Protocol.Config.V1;
using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol;
using Cluster.Service.Store;
using Google.Protobuf;

namespace Cluster.Service.Database;

/// <summary>
/// The cluster database (WSFC's name) over the store: reads the configuration at one revision, and
/// applies an administrator's change as one transaction, validated as a whole first. Concurrent changes
/// from several nodes are serialized by compare-and-swap on a guard key: the loser re-reads and retries.
/// </summary>
internal sealed class ClusterDatabase(IClusterStore store, Func<ResourceTypeRef, Task<ResourceTypeInfo>> loadType)
{
    private const int Attempts = 20;

    public IClusterStore Store => store;

    public async Task<ClusterConfiguration> ReadAsync(CancellationToken cancellationToken = default)
    {
        var (items, revision) = await store.RangeAsync(ConfigurationKeys.Root, cancellationToken).ConfigureAwait(false);
        return ConfigurationKeys.Parse(items, revision);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current configuration, validates the result and writes the
    /// difference atomically. Nothing is written if the change or the validation throws.
    /// </summary>
    /// <returns>The configuration as written (the current one when the change made no difference).</returns>
    /// <exception cref="ClusterException">The change is refused; the message names why.</exception>
    public async Task<ClusterConfiguration> UpdateAsync(Func<ClusterConfiguration, ClusterConfiguration> change, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var current = await ReadAsync(cancellationToken).ConfigureAwait(false);
            var next = change(current);
            ConfigurationValidator.Validate(next, await LoadTypesAsync(next).ConfigureAwait(false));
            ConfigurationValidator.ValidateChange(current, next);
            var operations = ConfigurationKeys.Diff(current, next);
            if (operations.Count == 0)
            {
                return current;
            }

            var result = await store.TransactAsync(
                new Transaction
                {
                    Compares =
                    [
                        Compare.ModRevision(ConfigurationKeys.Guard, CompareOperator.Equal, current.GuardRevision),
                        .. OwnerCompares(current, operations),
                    ],
                    Success = [.. operations, StoreOperation.Put(ConfigurationKeys.Guard, [])],
                },
                cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return next with { Revision = result.Revision, GuardRevision = result.Revision };
            }
        }

        throw new ClusterException(ClusterErrorKind.Aborted, $"The cluster database kept changing under this change; {Attempts} attempts failed. Try again.");
    }

    /// <summary>
    /// What <paramref name="change"/> would make of the database now, validated exactly as
    /// <see cref="UpdateAsync"/> validates it, and written nowhere (a dry run).
    /// </summary>
    public async Task<(ClusterConfiguration Before, ClusterConfiguration After)> PreviewAsync(
        Func<ClusterConfiguration, ClusterConfiguration> change, CancellationToken cancellationToken = default)
    {
        var current = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var next = change(current);
        ConfigurationValidator.Validate(next, await LoadTypesAsync(next).ConfigureAwait(false));
        ConfigurationValidator.ValidateChange(current, next);
        return (current, next);
    }

    /// <summary>Owners change outside the guard (the coordinator, handovers): a change that writes one compares it too.</summary>
    private static IEnumerable<Compare> OwnerCompares(ClusterConfiguration current, IReadOnlyList<StoreOperation> operations) =>
        operations.Where(o => o.Key.StartsWith(ConfigurationKeys.Owners, StringComparison.Ordinal)).Select(o =>
            Compare.ModRevision(o.Key, CompareOperator.Equal, current.OwnerRevisions.GetValueOrDefault(o.Key[ConfigurationKeys.Owners.Length..])));

    /// <summary>
    /// Writes ownership changes decided by the coordinator or a handover, each compared with the
    /// owner key's revision as read; false when any changed meanwhile (nothing is written then).
    /// </summary>
    public async Task<bool> SetOwnersAsync(
        ClusterConfiguration basedOn, IReadOnlyDictionary<string, Ownership> owners, IReadOnlyList<StoreOperation>? also = null, CancellationToken cancellationToken = default)
    {
        var result = await store.TransactAsync(
            new Transaction
            {
                Compares = [.. owners.Keys.Select(g => Compare.ModRevision(ConfigurationKeys.Owners + g, CompareOperator.Equal, basedOn.OwnerRevisions.GetValueOrDefault(g)))],
                Success = [.. owners.Select(o => StoreOperation.Put(ConfigurationKeys.Owners + o.Key, o.Value.ToByteArray())), .. also ?? []],
            },
            cancellationToken).ConfigureAwait(false);
        return result.Succeeded;
    }

    /// <summary>What each type used by a resource declares; a type whose DLL no longer loads is an error naming it.</summary>
    private async Task<Dictionary<string, ResourceTypeInfo>> LoadTypesAsync(ClusterConfiguration configuration)
    {
        var infos = new Dictionary<string, ResourceTypeInfo>(StringComparer.Ordinal);
        foreach (var name in configuration.Resources.Values.Select(r => r.Type).Distinct(StringComparer.Ordinal))
        {
            if (configuration.Types.TryGetValue(name, out var type))
            {
                infos[name] = await loadType(type).ConfigureAwait(false);
            }
        }

        return infos;
    }
}
