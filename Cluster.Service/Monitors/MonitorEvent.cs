using Cluster.Protocol.Types.V1;

namespace Cluster.Service.Monitors;

/// <summary>What the monitor manager tells its consumer (the RCM, the cluster log, tests).</summary>
internal sealed record MonitorEvent(
    DateTimeOffset Time,
    MonitorEventKind Kind,
    int MonitorId,
    string? Resource,
    string Cause,
    ResourceState OldState = ResourceState.Unspecified,
    ResourceState NewState = ResourceState.Unspecified,
    int? Pid = null,
    int? EventId = null)
{
    public override string ToString() =>
        $"{Time:HH:mm:ss.fff} {Kind} monitor={MonitorId} resource={Resource} {OldState}->{NewState} pid={Pid} event={EventId}: {Cause}";
}
