using Cluster.Contracts.Admin.V1;
using Cluster.Grpc.Server;

namespace Cluster.Service.Admin;

/// <summary>The handlers of the admin API (cluster.admin.v1.ClusterAdmin) on one node.</summary>
internal sealed class ClusterAdminService(Func<NodeIdentity> identity)
{
    public Task<GetNodeResponse> GetNode(GetNodeRequest request, ServerCallContext context)
    {
        var node = identity();
        return Task.FromResult(new GetNodeResponse
        {
            Name = node.Name,
            Pid = Environment.ProcessId,
            Endpoint = node.Endpoint,
            Version = node.Version,
            StartedUnixMs = node.Started.ToUnixTimeMilliseconds(),
        });
    }
}
