using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Cluster.Protocol.Transport;

/// <summary>
/// Adds the connection's own headers to every call, next to the caller's metadata: the bearer token
/// ("authorization: Bearer &lt;token&gt;") and the caller's name for traces ("cluster-caller").
/// </summary>
internal sealed class HeadersClientInterceptor(IReadOnlyList<KeyValuePair<string, string>> headers) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithHeaders(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithHeaders(context));

    private ClientInterceptorContext<TRequest, TResponse> WithHeaders<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        var metadata = new Metadata();
        foreach (var entry in context.Options.Headers ?? [])
        {
            metadata.Add(entry);
        }

        foreach (var (key, value) in headers)
        {
            metadata.Add(key, value);
        }

        return new(context.Method, context.Host, context.Options.WithHeaders(metadata));
    }
}
