using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Cluster.Protocol.Transport;

/// <summary>
/// The server edge of the cluster's errors: a <see cref="ClusterException"/> a handler throws leaves
/// as the gRPC status of its kind, with its message as the detail; any other exception the host
/// knows how to name (<see cref="GrpcHostOptions.TranslateException"/>) likewise. The rest is left
/// to grpc-dotnet (status Unknown, with the exception's message when detailed errors are on).
/// </summary>
internal sealed class ClusterErrorServerInterceptor(GrpcHostOptions options) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e) is { } error)
        {
            throw StatusMapping.ToRpcException(error);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e) is { } error)
        {
            throw StatusMapping.ToRpcException(error);
        }
    }

    private ClusterException? Translate(Exception error) =>
        error as ClusterException ?? options.TranslateException?.Invoke(error);
}
