using Cluster.Protocol.Types.V1;

namespace Cluster.Service.Monitors;

/// <summary>A hosted resource as the node sees it now.</summary>
internal sealed record ResourceSnapshot(string Name, string Type, ResourceState State, int MonitorId, int? ApplicationPid);
