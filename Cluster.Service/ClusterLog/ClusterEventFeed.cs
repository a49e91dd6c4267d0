using Cluster.Protocol.Admin.V1;
using Cluster.Service.Feeds;

namespace Cluster.Service.ClusterLog;

/// <summary>
/// A node's cluster log as structured events, since the node started, for the admin API's WatchEvents
/// (what `cluster scenario run` watches). The log file stays the durable record; this is the live one.
/// </summary>
internal sealed class ClusterEventFeed(string node, int capacity = ClusterEventFeed.DefaultCapacity)
    : RecordFeed<ClusterEvent>(node, capacity, "events", onAdded: null)
{
    public const int DefaultCapacity = 20_000;

    public void Add(ClusterLogEntry entry) => Add(ClusterLogEntries.ToEvent(entry));

    protected override void Stamp(ClusterEvent record, long sequence)
    {
        record.Sequence = sequence;
        record.Node = Node;
    }

    protected override long TimeUnixUsOf(ClusterEvent record) => record.TimeUnixUs;
}
