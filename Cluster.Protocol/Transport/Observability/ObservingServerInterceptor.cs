using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Cluster.Protocol.Transport.Observability;

/// <summary>
/// Shows every call a server handles to its <see cref="GrpcCallObserver"/>. It runs outermost, so the
/// status it reports is the one that goes on the wire (after the cluster's errors were mapped).
/// </summary>
internal sealed class ObservingServerInterceptor(GrpcHostOptions options) : Interceptor
{
    private readonly GrpcCallObserver _observer = options.Observer!;
    private readonly IReadOnlySet<string> _secrets = options.SecretMetadataKeys.ToHashSet(StringComparer.OrdinalIgnoreCase);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var (call, started) = Start(context, request, serverStreaming: false);
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            _observer.OnResponse(call, (IMessage)response);
            _observer.OnCallCompleted(call, Status.DefaultSuccess, options.TimeProvider.GetElapsedTime(started));
            return response;
        }
        catch (Exception e)
        {
            Fail(call, e, context, started);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var (call, started) = Start(context, request, serverStreaming: true);
        try
        {
            await continuation(request, new ObservedWriter<TResponse>(responseStream, _observer, call), context).ConfigureAwait(false);
            _observer.OnCallCompleted(call, Status.DefaultSuccess, options.TimeProvider.GetElapsedTime(started));
        }
        catch (Exception e)
        {
            Fail(call, e, context, started);
            throw;
        }
    }

    private (GrpcCallInfo Call, long Started) Start(ServerCallContext context, object request, bool serverStreaming)
    {
        var started = options.TimeProvider.GetTimestamp();
        var call = new GrpcCallInfo(
            CallSide.Server, context.Method, serverStreaming, context.Peer, MetadataRedaction.Redact(context.RequestHeaders, _secrets), options.TimeProvider.GetUtcNow(),
            context.Deadline);
        _observer.OnCallStarted(call);
        _observer.OnRequest(call, (IMessage)request);
        return (call, started);
    }

    private void Fail(GrpcCallInfo call, Exception error, ServerCallContext context, long started) =>
        _observer.OnCallCompleted(
            call, MetadataRedaction.StatusOf(error, context.Deadline, context.CancellationToken), options.TimeProvider.GetElapsedTime(started));

    private sealed class ObservedWriter<T>(IServerStreamWriter<T> inner, GrpcCallObserver observer, GrpcCallInfo call) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

        // The default of this overload throws NotSupportedException (a status Unknown on the client).
        public async Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            await inner.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            observer.OnResponse(call, (IMessage)message!);
        }
    }
}
