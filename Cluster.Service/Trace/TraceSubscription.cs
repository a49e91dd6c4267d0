using System.Threading.Channels;
using Cluster.Protocol.Admin.V1;

namespace Cluster.Service.Trace;

/// <summary>What a subscriber of a <see cref="TraceLog"/> gets: the backlog, then (when following) the live records.</summary>
internal sealed class TraceSubscription(IReadOnlyList<CallRecord> backlog, ChannelReader<CallRecord>? live, Action? end) : IDisposable
{
    public IReadOnlyList<CallRecord> Backlog { get; } = backlog;

    /// <summary>Records added after the subscription began; null unless following. Completes with
    /// <see cref="TraceSubscriberDroppedException"/> when the subscriber fell too far behind.</summary>
    public ChannelReader<CallRecord>? Live { get; } = live;

    public void Dispose() => end?.Invoke();
}
