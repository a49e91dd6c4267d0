using Cluster.Protocol.Bench.V1;
using Grpc.Core;

namespace Cluster.Service.Bench;

/// <summary>The benchmark peer's handlers (cluster.bench.v1.Bench).</summary>
internal sealed class BenchEchoService : Protocol.Bench.V1.Bench.BenchBase
{
    public override Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context) =>
        Task.FromResult(new EchoResponse { Payload = request.Payload });
}
