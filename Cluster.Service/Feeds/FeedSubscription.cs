using System.Threading.Channels;

namespace Cluster.Service.Feeds;

/// <summary>What a subscriber of a <see cref="RecordFeed{T}"/> gets: the backlog, then (when following) the live records.</summary>
internal sealed class FeedSubscription<T>(IReadOnlyList<T> backlog, ChannelReader<T>? live, Action? end) : IDisposable
{
    public IReadOnlyList<T> Backlog { get; } = backlog;

    /// <summary>Records added after the subscription began; null unless following. Completes with
    /// <see cref="FeedSubscriberDroppedException"/> when the subscriber fell too far behind.</summary>
    public ChannelReader<T>? Live { get; } = live;

    public void Dispose() => end?.Invoke();
}
