using Cluster.Service.Database;

namespace Cluster.Service.Trace;

/// <summary>
/// Which group each resource is in, for a trace's records that name only a resource (every call to an
/// RHS): read from the cluster database once, and again, at most once a second, when a resource is new.
/// </summary>
internal sealed class ResourceGroups(ClusterDatabase database, TimeProvider time)
{
    private static readonly TimeSpan s_refreshAtMost = TimeSpan.FromSeconds(1);
    private Dictionary<string, string> _groups = [];
    private long _readAt = long.MinValue;

    public async Task<string?> GroupOfAsync(string resource, CancellationToken cancellationToken)
    {
        if (resource.Length == 0)
        {
            return null;
        }

        if (!_groups.ContainsKey(resource) && (_readAt == long.MinValue || time.GetElapsedTime(_readAt) >= s_refreshAtMost))
        {
            _readAt = time.GetTimestamp();
            var configuration = await database.ReadAsync(cancellationToken).ConfigureAwait(false);
            _groups = configuration.Resources.Values.ToDictionary(r => r.Name, r => r.Group, StringComparer.Ordinal);
        }

        return _groups.GetValueOrDefault(resource);
    }
}
