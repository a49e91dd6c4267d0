using Cluster.Protocol.Types.V1;

namespace Cluster.Service.Cli;

/// <summary>States as scripts see them: Online, Offline, OnlinePending, OfflinePending, Failed.</summary>
internal static class StateNames
{
    public static string Of(ResourceState state) => state switch
    {
        ResourceState.Unspecified => "Unknown",
        _ => state.ToString(),
    };
}
