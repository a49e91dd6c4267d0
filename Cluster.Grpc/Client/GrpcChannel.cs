using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Cluster.Grpc.Protocol;
using Google.Protobuf;

namespace Cluster.Grpc.Client;

/// <summary>
/// A client connection to one gRPC server, over TCP or a Unix socket, with HTTP/2 prior knowledge
/// (h2c). Thread-safe; calls are multiplexed on one HTTP/2 connection.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly Uri _baseUri;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Uri> _methodUris = new(StringComparer.Ordinal);
    private readonly string? _authorization;

    private GrpcChannel(GrpcEndpoint endpoint, GrpcChannelOptions options)
    {
        Endpoint = endpoint;
        Options = options;
        _baseUri = endpoint.ToBaseUri();
        _authorization = options.BearerToken is null ? null : "Bearer " + options.BearerToken;
        SecretKeys = new HashSet<string>(options.SecretMetadataKeys, StringComparer.OrdinalIgnoreCase)
        {
            GrpcHeaders.Authorization,
        };
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = true,
        };
        if (endpoint.IsUnixSocket)
        {
            var path = endpoint.UnixPath!;
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public GrpcEndpoint Endpoint { get; }

    public GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    internal HashSet<string> SecretKeys { get; }

    public static GrpcChannel Create(GrpcEndpoint endpoint, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new GrpcChannel(endpoint, options ?? new GrpcChannelOptions());
    }

    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(
        GrpcMethod<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        await using var call = new ClientCall<TResponse>(this, method.Path, method.ResponseParser, options, CancellationToken.None);
        await call.SendAsync(request).ConfigureAwait(false);
        var response = await call.ReadAsync().ConfigureAwait(false);
        if (response is not null && await call.ReadAsync().ConfigureAwait(false) is not null)
        {
            throw new RpcException(StatusCode.Internal, $"{method.Path} answered more than one message to a unary call.");
        }

        call.EnsureSuccess();
        return response ?? throw new RpcException(StatusCode.Internal, $"{method.Path} answered OK without a message.");
    }

    /// <summary>
    /// Starts a server-streaming call and yields its responses; a status other than OK is thrown
    /// at the end. Breaking out of the loop cancels the call on the server too.
    /// </summary>
    public async IAsyncEnumerable<TResponse> ServerStreamingAsync<TRequest, TResponse>(
        GrpcMethod<TRequest, TResponse> method,
        TRequest request,
        CallOptions options = default,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        await using var call = new ClientCall<TResponse>(this, method.Path, method.ResponseParser, options, cancellationToken);
        await call.SendAsync(request).ConfigureAwait(false);
        while (await call.ReadAsync().ConfigureAwait(false) is { } response)
        {
            yield return response;
        }

        call.EnsureSuccess();
    }

    public void Dispose() => Invoker.Dispose();

    internal HttpRequestMessage CreateRequest<TResponse>(ClientCall<TResponse> call, byte[] frame)
        where TResponse : class, IMessage<TResponse>
    {
        // One Uri per method: parsing one per call is a measurable share of a loopback round trip.
        var uri = _methodUris.GetOrAdd(call.Path, static (path, baseUri) => new Uri(baseUri, path), _baseUri);
        var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcHeaders.ContentType);
        var headers = request.Headers;
        headers.TryAddWithoutValidation("te", "trailers");
        headers.TryAddWithoutValidation("user-agent", GrpcHeaders.UserAgent);
        if (call.Timeout is { } timeout)
        {
            headers.TryAddWithoutValidation(GrpcHeaders.Timeout, GrpcTimeout.Format(timeout));
        }

        if (_authorization is not null)
        {
            headers.TryAddWithoutValidation(GrpcHeaders.Authorization, _authorization);
        }

        foreach (var (key, value) in call.Headers)
        {
            headers.TryAddWithoutValidation(key, value);
        }

        return request;
    }
}
