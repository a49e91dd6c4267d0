namespace Cluster.Service.Bench;

/// <summary>
/// One owner fault's failover in a fault campaign: which group left which node, after what fault, at what
/// wall time (to find it in the cluster log), and how long until the group was Online on another node.
/// <see cref="NodesDown"/> counts the other nodes that were already killed or isolated when it struck.
/// <see cref="NodeReturnedFirst"/>: the node was started or rejoined before the group came online elsewhere, so
/// the fault may have been undone before it forced a failover (the group stayed, and a later fault moved it).
/// </summary>
internal sealed record ChaosFailover(string Group, string From, string Fault, DateTime AtUtc, int NodesDown, TimeSpan Took, bool NodeReturnedFirst = false)
{
    public override string ToString() =>
        $"{Group} off {From} after {Fault} at {AtUtc:HH:mm:ss.fff} ({NodesDown} other node(s) down): {Took.TotalMilliseconds:0} ms";
}
