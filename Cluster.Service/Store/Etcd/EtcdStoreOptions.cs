namespace Cluster.Service.Store.Etcd;

internal sealed record EtcdStoreOptions
{
    /// <summary>
    /// The deadline of each request. A member cut off from its peers answers only when etcd's own request
    /// timeout ends (several seconds); the node does not wait that long: it tries the next member instead.
    /// </summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The deadline of a lease renewal: short, so that a node whose member is cut off moves to the next one and
    /// renews there well before its fence point (a default lease of 2 s, renewed every 250 ms, fences after 1.75 s).
    /// </summary>
    public TimeSpan RenewTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a connection to a member may take before the next one is tried.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// HTTP/2 pings on an idle connection, so that a watch on a frozen or unreachable member ends (and the
    /// watcher moves to another one) instead of waiting for events that will never come.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(2);
}
