using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Cluster.Protocol.Transport;

/// <summary>
/// The client edge of the cluster's errors: a status other than OK reaches the caller as a
/// <see cref="ClusterException"/> of the matching kind, the server's message intact, so no caller
/// above the transport handles a gRPC type. A call the caller cancelled through its token ends in an
/// <see cref="OperationCanceledException"/> instead, as anything cancelled in .NET does. (grpc-dotnet's
/// own ThrowOperationCanceledOnCancellation would do that for a passed deadline too, and lose the
/// difference between "I gave up" and "it took too long".)
/// </summary>
internal sealed class ClusterErrorClientInterceptor : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        var token = context.Options.CancellationToken;
        return new AsyncUnaryCall<TResponse>(
            Mapped(call.ResponseAsync, token), Mapped(call.ResponseHeadersAsync, token), call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        var token = context.Options.CancellationToken;
        return new AsyncServerStreamingCall<TResponse>(
            new MappedReader<TResponse>(call.ResponseStream, token), Mapped(call.ResponseHeadersAsync, token), call.GetStatus, call.GetTrailers, call.Dispose);
    }

    private static async Task<T> Mapped<T>(Task<T> task, CancellationToken callCancelled)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw Translate(e, callCancelled);
        }
    }

    /// <summary>
    /// A call whose caller cancelled it ends in <see cref="OperationCanceledException"/> whatever status
    /// grpc-dotnet gives it: cancelling a stream sometimes surfaces as UNAVAILABLE ("The request was
    /// aborted"), not CANCELLED, when the reset wins the race (seen on a busy machine).
    /// </summary>
    internal static Exception Translate(RpcException error, CancellationToken cancelled) =>
        cancelled.IsCancellationRequested && error.StatusCode != StatusCode.DeadlineExceeded
            ? new OperationCanceledException(error.Status.Detail, error, cancelled)
            : StatusMapping.ToClusterException(error);

    private sealed class MappedReader<T>(IAsyncStreamReader<T> inner, CancellationToken callCancelled) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            try
            {
                return await inner.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                throw Translate(e, cancellationToken.IsCancellationRequested ? cancellationToken : callCancelled);
            }
        }
    }
}
