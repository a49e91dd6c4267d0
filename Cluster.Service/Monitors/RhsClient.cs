using Cluster.Protocol.Rhs.V1;
using Cluster.Protocol.Transport;

namespace Cluster.Service.Monitors;

/// <summary>
/// The node's client of one RHS (cluster.rhs.v1.ResourceHost), on the generated typed client. Every
/// call takes a deadline, which the RHS sees too; a failure arrives as a ClusterException.
/// </summary>
internal sealed class RhsClient(GrpcConnection connection) : IDisposable
{
    private readonly ResourceHost.ResourceHostClient _client = new(connection.Invoker);

    public Task<LoadTypeResponse> LoadType(LoadTypeRequest request, TimeSpan deadline) => _client.LoadTypeAsync(request, GrpcConnection.Deadline(deadline)).ResponseAsync;

    public Task<OpenResponse> Open(OpenRequest request, TimeSpan deadline) => _client.OpenAsync(request, GrpcConnection.Deadline(deadline)).ResponseAsync;

    public Task<CloseResponse> Close(CloseRequest request, TimeSpan deadline) => _client.CloseAsync(request, GrpcConnection.Deadline(deadline)).ResponseAsync;

    public Task<OnlineResponse> Online(OnlineRequest request, TimeSpan deadline) => _client.OnlineAsync(request, GrpcConnection.Deadline(deadline)).ResponseAsync;

    public Task<OfflineResponse> Offline(OfflineRequest request, TimeSpan deadline) => _client.OfflineAsync(request, GrpcConnection.Deadline(deadline)).ResponseAsync;

    public Task<TerminateResponse> Terminate(TerminateRequest request, TimeSpan deadline) =>
        _client.TerminateAsync(request, GrpcConnection.Deadline(deadline)).ResponseAsync;

    public Task<LooksAliveResponse> LooksAlive(LooksAliveRequest request, TimeSpan deadline) =>
        _client.LooksAliveAsync(request, GrpcConnection.Deadline(deadline)).ResponseAsync;

    public Task<IsAliveResponse> IsAlive(IsAliveRequest request, TimeSpan deadline) => _client.IsAliveAsync(request, GrpcConnection.Deadline(deadline)).ResponseAsync;

    public Task<SetPollIntervalsResponse> SetPollIntervals(SetPollIntervalsRequest request, TimeSpan deadline) =>
        _client.SetPollIntervalsAsync(request, GrpcConnection.Deadline(deadline)).ResponseAsync;

    public Task<ResourceControlResponse> ResourceControl(ResourceControlRequest request, TimeSpan deadline) =>
        _client.ResourceControlAsync(request, GrpcConnection.Deadline(deadline)).ResponseAsync;

    public Task<PingResponse> Ping(TimeSpan deadline) => _client.PingAsync(new PingRequest(), GrpcConnection.Deadline(deadline)).ResponseAsync;

    public Task<PetResponse> Pet(TimeSpan validFor, long lease) =>
        _client.PetAsync(new PetRequest { ValidForMs = (uint)Math.Max(0, validFor.TotalMilliseconds), Lease = lease }, GrpcConnection.Deadline(validFor)).ResponseAsync;

    public Task<ShutdownResponse> Shutdown(TimeSpan deadline) => _client.ShutdownAsync(new ShutdownRequest(), GrpcConnection.Deadline(deadline)).ResponseAsync;

    /// <summary>The RHS's event stream until it ends or <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<ResourceEvent> WatchEvents([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = _client.WatchEvents(new WatchEventsRequest(), cancellationToken: cancellationToken);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return call.ResponseStream.Current;
        }
    }

    public void Dispose() => connection.Dispose();
}
