using Cluster.Contracts.Rhs.V1;
using Cluster.Grpc;
using Cluster.Grpc.Client;
using Google.Protobuf;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Cluster.Service.Monitors;

/// <summary>The node's client of one RHS (cluster.rhs.v1.ResourceHost). Every call takes a deadline.</summary>
internal sealed class RhsClient(GrpcChannel channel) : IDisposable
{
    private static readonly ServiceDescriptor s_service = RhsReflection.Descriptor.Services[0];
    private static readonly GrpcMethod<LoadTypeRequest, LoadTypeResponse> s_loadType = Method<LoadTypeRequest, LoadTypeResponse>("LoadType");
    private static readonly GrpcMethod<OpenRequest, OpenResponse> s_open = Method<OpenRequest, OpenResponse>("Open");
    private static readonly GrpcMethod<CloseRequest, CloseResponse> s_close = Method<CloseRequest, CloseResponse>("Close");
    private static readonly GrpcMethod<OnlineRequest, OnlineResponse> s_online = Method<OnlineRequest, OnlineResponse>("Online");
    private static readonly GrpcMethod<OfflineRequest, OfflineResponse> s_offline = Method<OfflineRequest, OfflineResponse>("Offline");
    private static readonly GrpcMethod<TerminateRequest, TerminateResponse> s_terminate = Method<TerminateRequest, TerminateResponse>("Terminate");
    private static readonly GrpcMethod<LooksAliveRequest, LooksAliveResponse> s_looksAlive = Method<LooksAliveRequest, LooksAliveResponse>("LooksAlive");
    private static readonly GrpcMethod<IsAliveRequest, IsAliveResponse> s_isAlive = Method<IsAliveRequest, IsAliveResponse>("IsAlive");
    private static readonly GrpcMethod<ResourceControlRequest, ResourceControlResponse> s_control =
        Method<ResourceControlRequest, ResourceControlResponse>("ResourceControl");
    private static readonly GrpcMethod<WatchEventsRequest, ResourceEvent> s_watch = Method<WatchEventsRequest, ResourceEvent>("WatchEvents");
    private static readonly GrpcMethod<PingRequest, PingResponse> s_ping = Method<PingRequest, PingResponse>("Ping");
    private static readonly GrpcMethod<PetRequest, PetResponse> s_pet = Method<PetRequest, PetResponse>("Pet");
    private static readonly GrpcMethod<ShutdownRequest, ShutdownResponse> s_shutdown = Method<ShutdownRequest, ShutdownResponse>("Shutdown");

    public Task<LoadTypeResponse> LoadType(LoadTypeRequest request, TimeSpan deadline) => Call(s_loadType, request, deadline);

    public Task<OpenResponse> Open(OpenRequest request, TimeSpan deadline) => Call(s_open, request, deadline);

    public Task<CloseResponse> Close(CloseRequest request, TimeSpan deadline) => Call(s_close, request, deadline);

    public Task<OnlineResponse> Online(OnlineRequest request, TimeSpan deadline) => Call(s_online, request, deadline);

    public Task<OfflineResponse> Offline(OfflineRequest request, TimeSpan deadline) => Call(s_offline, request, deadline);

    public Task<TerminateResponse> Terminate(TerminateRequest request, TimeSpan deadline) => Call(s_terminate, request, deadline);

    public Task<LooksAliveResponse> LooksAlive(LooksAliveRequest request, TimeSpan deadline) => Call(s_looksAlive, request, deadline);

    public Task<IsAliveResponse> IsAlive(IsAliveRequest request, TimeSpan deadline) => Call(s_isAlive, request, deadline);

    public Task<ResourceControlResponse> ResourceControl(ResourceControlRequest request, TimeSpan deadline) =>
        Call(s_control, request, deadline);

    public Task<PingResponse> Ping(TimeSpan deadline) => Call(s_ping, new PingRequest(), deadline);

    public Task<PetResponse> Pet(TimeSpan validFor, long lease) =>
        Call(s_pet, new PetRequest { ValidForMs = (uint)Math.Max(0, validFor.TotalMilliseconds), Lease = lease }, validFor);

    public Task<ShutdownResponse> Shutdown(TimeSpan deadline) => Call(s_shutdown, new ShutdownRequest(), deadline);

    public IAsyncEnumerable<ResourceEvent> WatchEvents(CancellationToken cancellationToken) =>
        channel.ServerStreamingAsync(s_watch, new WatchEventsRequest(), default, cancellationToken);

    public void Dispose() => channel.Dispose();

    private Task<TResponse> Call<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, TimeSpan deadline)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new() =>
        channel.UnaryAsync(method, request, new CallOptions(deadline));

    private static GrpcMethod<TRequest, TResponse> Method<TRequest, TResponse>(string name)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new() =>
        GrpcMethod.For<TRequest, TResponse>(s_service, name);
}
