using System.Threading.Channels;
using Cluster.Protocol.Rhs.V1;
using Google.Protobuf.WellKnownTypes;

namespace Cluster.Rhs;

/// <summary>
/// The events this RHS sends its node, numbered in order. Buffered until the node subscribes; one
/// subscriber at a time (a new WatchEvents call takes over from the old one).
/// </summary>
internal sealed class EventFeed : IDisposable
{
    private readonly Channel<ResourceEvent> _events = Channel.CreateUnbounded<ResourceEvent>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _subscriber = new(1, 1);
    private long _sequence;

    public void Publish(string resource, Action<ResourceEvent> fill)
    {
        var item = new ResourceEvent
        {
            Sequence = (ulong)Interlocked.Increment(ref _sequence),
            Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Resource = resource,
        };
        fill(item);
        _events.Writer.TryWrite(item);
    }

    /// <summary>The sequence of the last event published so far (0: none).</summary>
    public ulong LastSequence => (ulong)Interlocked.Read(ref _sequence);

    public void Dispose() => _subscriber.Dispose();

    public async IAsyncEnumerable<ResourceEvent> ReadAllAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _subscriber.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var item in _events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            _subscriber.Release();
        }
    }
}
