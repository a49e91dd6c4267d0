using System.Threading.Channels;

namespace Cluster.Service.Feeds;

/// <summary>
/// A node's numbered records (its gRPC calls, its cluster events): a bounded ring (the oldest record makes
/// room for the newest) and live subscriptions. Adding never waits: a subscriber whose buffer is full is
/// dropped, and learns so when it has read what it was given.
/// </summary>
internal abstract class RecordFeed<T>
    where T : class
{
    /// <summary>How many records a live subscriber may fall behind before it is dropped.</summary>
    public const int SubscriberBuffer = 4_096;

    private readonly Lock _lock = new();
    private readonly T?[] _ring;
    private readonly List<Channel<T>> _subscribers = [];
    private readonly Action<T>? _onAdded;
    private readonly string _what;
    private long _sequence;

    /// <param name="node">The recording node's name, stamped on every record.</param>
    /// <param name="capacity">How many records the ring keeps.</param>
    /// <param name="what">What the feed is, for the message a dropped subscriber gets ("trace").</param>
    /// <param name="onAdded">Sees every record added, in order; it must not wait.</param>
    protected RecordFeed(string node, int capacity, string what, Action<T>? onAdded)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Node = node;
        _ring = new T?[capacity];
        _what = what;
        _onAdded = onAdded;
    }

    public string Node { get; }

    public int Capacity => _ring.Length;

    /// <summary>Stamps a record with its number and this feed's node as it is kept.</summary>
    protected abstract void Stamp(T record, long sequence);

    /// <summary>When the record happened, in microseconds since the Unix epoch (for a subscription's "since").</summary>
    protected abstract long TimeUnixUsOf(T record);

    /// <summary>
    /// Puts what this node recorded before it last stopped or crashed back into the ring, renumbered from 1
    /// in their order, ahead of anything recorded now.
    /// </summary>
    public void Seed(IEnumerable<T> previous)
    {
        lock (_lock)
        {
            if (_sequence != 0)
            {
                throw new InvalidOperationException($"A {_what} is seeded before anything is recorded.");
            }

            foreach (var record in previous)
            {
                Keep(record);
            }
        }
    }

    /// <summary>Numbers <paramref name="record"/>, keeps it, and hands it to every live subscriber.</summary>
    public void Add(T record)
    {
        lock (_lock)
        {
            Keep(record);
            _onAdded?.Invoke(record);
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                if (!_subscribers[i].Writer.TryWrite(record))
                {
                    _subscribers[i].Writer.TryComplete(new FeedSubscriberDroppedException(
                        $"the subscriber fell {SubscriberBuffer} records behind node {Node}'s {_what} and was dropped"));
                    _subscribers.RemoveAt(i);
                }
            }
        }
    }

    private void Keep(T record)
    {
        Stamp(record, ++_sequence);
        _ring[(_sequence - 1) % _ring.Length] = record;
    }

    /// <summary>
    /// What the ring holds after <paramref name="afterSequence"/> and at or after <paramref name="sinceUnixUs"/>,
    /// oldest first; with <paramref name="follow"/>, also every record added from this instant on, with
    /// nothing lost or repeated between the two. Dispose the subscription to end it.
    /// </summary>
    public FeedSubscription<T> Subscribe(long afterSequence, long sinceUnixUs, bool follow)
    {
        lock (_lock)
        {
            var backlog = new List<T>();
            var first = Math.Max(afterSequence + 1, _sequence - _ring.Length + 1);
            for (var sequence = Math.Max(first, 1); sequence <= _sequence; sequence++)
            {
                var record = _ring[(sequence - 1) % _ring.Length]!;
                if (TimeUnixUsOf(record) >= sinceUnixUs)
                {
                    backlog.Add(record);
                }
            }

            if (!follow)
            {
                return new FeedSubscription<T>(backlog, null, null);
            }

            var live = Channel.CreateBounded<T>(new BoundedChannelOptions(SubscriberBuffer)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of waiting: the subscriber is dropped
            });
            _subscribers.Add(live);
            return new FeedSubscription<T>(backlog, live.Reader, () => Unsubscribe(live));
        }
    }

    private void Unsubscribe(Channel<T> live)
    {
        lock (_lock)
        {
            _subscribers.Remove(live);
        }

        live.Writer.TryComplete();
    }
}
