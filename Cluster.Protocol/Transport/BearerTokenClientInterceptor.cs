using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Cluster.Protocol.Transport;

/// <summary>Adds "authorization: Bearer &lt;token&gt;" to every call, next to the caller's own metadata.</summary>
internal sealed class BearerTokenClientInterceptor(string token) : Interceptor
{
    private readonly string _authorization = "Bearer " + token;

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithToken(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithToken(context));

    private ClientInterceptorContext<TRequest, TResponse> WithToken<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        var headers = new Metadata();
        foreach (var entry in context.Options.Headers ?? [])
        {
            headers.Add(entry);
        }

        headers.Add("authorization", _authorization);
        return new(context.Method, context.Host, context.Options.WithHeaders(headers));
    }
}
