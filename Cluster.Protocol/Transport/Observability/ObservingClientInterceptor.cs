using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Cluster.Protocol.Transport.Observability;

/// <summary>
/// Shows every call a client makes to its <see cref="GrpcCallObserver"/>: the request, each response,
/// and the status the call ended with as gRPC reported it. It runs inside the error mapping, so it
/// sees transport statuses, not cluster exceptions.
/// </summary>
internal sealed class ObservingClientInterceptor(GrpcConnectionOptions options, string peer) : Interceptor
{
    private readonly GrpcCallObserver _observer = options.Observer!;
    private readonly IReadOnlySet<string> _secrets = options.SecretMetadataKeys.ToHashSet(StringComparer.OrdinalIgnoreCase);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var (info, started) = Start(context, request, serverStreaming: false);
        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(
            Observe(call.ResponseAsync, info, started, context.Options), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var (info, started) = Start(context, request, serverStreaming: true);
        var call = continuation(request, context);
        return new AsyncServerStreamingCall<TResponse>(
            new ObservedReader<TResponse>(call.ResponseStream, this, info, started, context.Options),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    private (GrpcCallInfo Info, long Started) Start<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, TRequest request, bool serverStreaming)
        where TRequest : class
        where TResponse : class
    {
        var started = options.TimeProvider.GetTimestamp();
        var info = new GrpcCallInfo(
            CallSide.Client, context.Method.FullName, serverStreaming, peer, MetadataRedaction.Redact(context.Options.Headers, _secrets), options.TimeProvider.GetUtcNow(),
            context.Options.Deadline);
        _observer.OnCallStarted(info);
        _observer.OnRequest(info, (IMessage)request);
        return (info, started);
    }

    private async Task<TResponse> Observe<TResponse>(Task<TResponse> response, GrpcCallInfo info, long started, CallOptions callOptions)
    {
        try
        {
            var message = await response.ConfigureAwait(false);
            _observer.OnResponse(info, (IMessage)message!);
            Complete(info, Status.DefaultSuccess, started);
            return message;
        }
        catch (Exception e)
        {
            Complete(info, MetadataRedaction.StatusOf(e, callOptions.Deadline ?? DateTime.MaxValue, callOptions.CancellationToken), started);
            throw;
        }
    }

    private void Complete(GrpcCallInfo info, Status status, long started) =>
        _observer.OnCallCompleted(info, status, options.TimeProvider.GetElapsedTime(started));

    private sealed class ObservedReader<T>(
        IAsyncStreamReader<T> inner, ObservingClientInterceptor owner, GrpcCallInfo info, long started, CallOptions callOptions) : IAsyncStreamReader<T>
    {
        private int _completed;

        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                if (await inner.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    owner._observer.OnResponse(info, (IMessage)inner.Current!);
                    return true;
                }

                Complete(Status.DefaultSuccess);
                return false;
            }
            catch (Exception e)
            {
                var cancelled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callOptions.CancellationToken);
                Complete(MetadataRedaction.StatusOf(e, callOptions.Deadline ?? DateTime.MaxValue, cancelled.Token));
                cancelled.Dispose();
                throw;
            }
        }

        private void Complete(Status status)
        {
            if (Interlocked.Exchange(ref _completed, 1) == 0)
            {
                owner.Complete(info, status, started);
            }
        }
    }
}
