using System.Threading.Channels;
using Cluster.Protocol.Admin.V1;

namespace Cluster.Service.Trace;

/// <summary>
/// A node's recorded gRPC calls: a bounded ring (the oldest record makes room for the newest) and the
/// live subscriptions of `cluster trace --follow`. Adding never waits: a subscriber whose buffer is
/// full is dropped, and learns so when it has read what it was given.
/// </summary>
internal sealed class TraceLog
{
    public const int DefaultCapacity = 10_000;

    /// <summary>How many records a live subscriber may fall behind before it is dropped.</summary>
    public const int SubscriberBuffer = 4_096;

    private readonly Lock _lock = new();
    private readonly CallRecord?[] _ring;
    private readonly List<Channel<CallRecord>> _subscribers = [];
    private readonly Action<CallRecord>? _onAdded;
    private long _sequence;

    /// <param name="node">The recording node's name, stamped on every record.</param>
    /// <param name="capacity">How many records the ring keeps.</param>
    /// <param name="onAdded">Sees every record added (the node's <see cref="TraceFile"/>), in order; it must not wait.</param>
    public TraceLog(string node, int capacity, Action<CallRecord>? onAdded = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Node = node;
        _ring = new CallRecord?[capacity];
        _onAdded = onAdded;
    }

    public string Node { get; }

    public int Capacity => _ring.Length;

    /// <summary>
    /// Puts what this node recorded before it last stopped or crashed (its <see cref="TraceFile"/>) back
    /// into the ring, renumbered from 1 in their order, ahead of anything recorded now.
    /// </summary>
    public void Seed(IEnumerable<CallRecord> previous)
    {
        lock (_lock)
        {
            if (_sequence != 0)
            {
                throw new InvalidOperationException("A trace is seeded before anything is recorded.");
            }

            foreach (var record in previous)
            {
                Keep(record);
            }
        }
    }

    /// <summary>Numbers <paramref name="record"/>, keeps it, and hands it to every live subscriber.</summary>
    public void Add(CallRecord record)
    {
        lock (_lock)
        {
            Keep(record);
            _onAdded?.Invoke(record);
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                if (!_subscribers[i].Writer.TryWrite(record))
                {
                    _subscribers[i].Writer.TryComplete(new TraceSubscriberDroppedException(
                        $"the subscriber fell {SubscriberBuffer} records behind node {Node}'s trace and was dropped"));
                    _subscribers.RemoveAt(i);
                }
            }
        }
    }

    private void Keep(CallRecord record)
    {
        record.Sequence = ++_sequence;
        record.Node = Node;
        _ring[(record.Sequence - 1) % _ring.Length] = record;
    }

    /// <summary>
    /// What the ring holds after <paramref name="afterSequence"/> and at or after <paramref name="sinceUnixUs"/>,
    /// oldest first; with <paramref name="follow"/>, also every record added from this instant on, with
    /// nothing lost or repeated between the two. Dispose the subscription to end it.
    /// </summary>
    public TraceSubscription Subscribe(long afterSequence, long sinceUnixUs, bool follow)
    {
        lock (_lock)
        {
            var backlog = new List<CallRecord>();
            var first = Math.Max(afterSequence + 1, _sequence - _ring.Length + 1);
            for (var sequence = Math.Max(first, 1); sequence <= _sequence; sequence++)
            {
                var record = _ring[(sequence - 1) % _ring.Length]!;
                if (record.TimeUnixUs >= sinceUnixUs)
                {
                    backlog.Add(record);
                }
            }

            if (!follow)
            {
                return new TraceSubscription(backlog, null, null);
            }

            var live = Channel.CreateBounded<CallRecord>(new BoundedChannelOptions(SubscriberBuffer)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of waiting: the subscriber is dropped
            });
            _subscribers.Add(live);
            return new TraceSubscription(backlog, live.Reader, () => Unsubscribe(live));
        }
    }

    private void Unsubscribe(Channel<CallRecord> live)
    {
        lock (_lock)
        {
            _subscribers.Remove(live);
        }

        live.Writer.TryComplete();
    }
}
