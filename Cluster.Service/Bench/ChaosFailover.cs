namespace Cluster.Service.Bench;

/// <summary>
/// One owner fault's failover in a fault campaign: which group left which node, after what fault, at what
/// wall time (to find it in the cluster log), and how long until the group was Online on another node.
/// <see cref="NodesDown"/> counts the other nodes that were already killed or isolated when it struck.
/// </summary>
internal sealed record ChaosFailover(string Group, string From, string Fault, DateTime AtUtc, int NodesDown, TimeSpan Took)
{
    public override string ToString() =>
        $"{Group} off {From} after {Fault} at {AtUtc:HH:mm:ss.fff} ({NodesDown} other node(s) down): {Took.TotalMilliseconds:0} ms";
}
