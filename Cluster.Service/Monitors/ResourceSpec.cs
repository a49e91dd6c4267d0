using Cluster.Protocol.Rhs.V1;

namespace Cluster.Service.Monitors;

/// <summary>What the monitor manager needs to host one resource. Timings are per resource (WSFC defaults).</summary>
internal sealed record ResourceSpec
{
    public required string Name { get; init; }

    public required ResourceTypeRef Type { get; init; }

    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    public bool SeparateMonitor { get; init; }

    /// <summary>Null: the type's default (WSFC: 5 s).</summary>
    public TimeSpan? LooksAlivePollInterval { get; init; }

    /// <summary>Null: the type's default (WSFC: 60 s).</summary>
    public TimeSpan? IsAlivePollInterval { get; init; }

    public TimeSpan PendingTimeout { get; init; } = TimeSpan.FromMinutes(3);

    public TimeSpan DeadlockTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether <paramref name="other"/> differs from this one in its timings only (poll intervals,
    /// PendingTimeout, DeadlockTimeout): those change on a hosted resource without opening it again.
    /// </summary>
    public bool DiffersOnlyInTimingsFrom(ResourceSpec other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return !IsEquivalentTo(other) && (this with
        {
            LooksAlivePollInterval = other.LooksAlivePollInterval,
            IsAlivePollInterval = other.IsAlivePollInterval,
            PendingTimeout = other.PendingTimeout,
            DeadlockTimeout = other.DeadlockTimeout,
        }).IsEquivalentTo(other);
    }

    /// <summary>Whether hosting by <paramref name="other"/> would be the same (properties compared by value).</summary>
    public bool IsEquivalentTo(ResourceSpec other) =>
        this with { Properties = other.Properties } == other
        && Properties.Count == other.Properties.Count
        && Properties.All(p => other.Properties.TryGetValue(p.Key, out var value) && value == p.Value);
}
