using Cluster.Contracts.Bench.V1;
using Cluster.Grpc.Server;

namespace Cluster.Service.Bench;

/// <summary>The benchmark peer's handlers (cluster.bench.v1.Bench).</summary>
internal sealed class BenchEchoService
{
    public Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context) =>
        Task.FromResult(new EchoResponse { Payload = request.Payload });
}
