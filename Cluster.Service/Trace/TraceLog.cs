using Cluster.Protocol.Admin.V1;
using Cluster.Service.Feeds;

namespace Cluster.Service.Trace;

/// <summary>A node's recorded gRPC calls, for `cluster trace` (and --follow).</summary>
/// <param name="node">The recording node's name, stamped on every record.</param>
/// <param name="capacity">How many records the ring keeps.</param>
/// <param name="onAdded">Sees every record added (the node's <see cref="TraceFile"/>), in order; it must not wait.</param>
internal sealed class TraceLog(string node, int capacity, Action<CallRecord>? onAdded = null)
    : RecordFeed<CallRecord>(node, capacity, "trace", onAdded)
{
    public const int DefaultCapacity = 10_000;

    protected override void Stamp(CallRecord record, long sequence)
    {
        record.Sequence = sequence;
        record.Node = Node;
    }

    protected override long TimeUnixUsOf(CallRecord record) => record.TimeUnixUs;
}
