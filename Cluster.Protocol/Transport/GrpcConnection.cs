using System.Net;
using System.Net.Sockets;
using Cluster.Protocol.Transport.Observability;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Cluster.Protocol.Transport;

/// <summary>
/// A client connection to one gRPC endpoint (TCP, or a Unix socket) on grpc-dotnet's
/// <see cref="GrpcChannel"/>, HTTP/2 with prior knowledge. Generated typed clients are built on
/// <see cref="Invoker"/>, which carries the bearer token, shows calls to the observer, and turns a
/// status other than OK into a <see cref="ClusterException"/> of the matching kind. Cancelling a call
/// through its token throws <see cref="OperationCanceledException"/>, as anywhere else in .NET.
/// </summary>
public sealed class GrpcConnection : IDisposable
{
    private readonly GrpcChannel _channel;

    private GrpcConnection(GrpcEndpoint endpoint, GrpcConnectionOptions options)
    {
        Endpoint = endpoint;
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

        _channel = GrpcChannel.ForAddress(endpoint.ToBaseUri(), new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
            MaxSendMessageSize = options.MaxSendMessageSize,
            LoggerFactory = options.LoggerFactory,
        });

        var interceptors = new List<Interceptor> { new ClusterErrorClientInterceptor() };
        if (options.Observer is not null)
        {
            interceptors.Add(new ObservingClientInterceptor(options, endpoint.ToString()));
        }

        var headers = new List<KeyValuePair<string, string>>();
        if (options.BearerToken is not null)
        {
            headers.Add(new(MetadataRedaction.Authorization, "Bearer " + options.BearerToken));
        }

        if (options.CallerName is not null)
        {
            headers.Add(new(GrpcConnectionOptions.CallerHeader, options.CallerName));
        }

        if (headers.Count > 0)
        {
            interceptors.Add(new HeadersClientInterceptor(headers));
        }

        Invoker = _channel.Intercept([.. interceptors]);
    }

    public GrpcEndpoint Endpoint { get; }

    /// <summary>What typed clients call through (outermost first: error mapping, observer, headers).</summary>
    public CallInvoker Invoker { get; }

    public static GrpcConnection Open(GrpcEndpoint endpoint, GrpcConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new GrpcConnection(endpoint, options ?? new GrpcConnectionOptions());
    }

    /// <summary>Call options with a deadline <paramref name="timeout"/> from now, sent to the server as grpc-timeout.</summary>
    public static CallOptions Deadline(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        new(deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken);

    public void Dispose() => _channel.Dispose();
}
