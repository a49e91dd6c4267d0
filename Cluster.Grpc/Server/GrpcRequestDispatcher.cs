using System.Security.Cryptography;
using System.Text;
using Cluster.Grpc.Observability;
using Cluster.Grpc.Protocol;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cluster.Grpc.Server;

/// <summary>Turns one HTTP/2 request into one gRPC call: validation, deadline, handler, status.</summary>
internal sealed partial class GrpcRequestDispatcher
{
    private readonly Dictionary<string, ServerMethod> _methods;
    private readonly GrpcServerOptions _options;
    private readonly HashSet<string> _secretKeys;
    private readonly byte[]? _expectedAuthorization;
    private readonly ILogger _logger;

    public GrpcRequestDispatcher(IEnumerable<ServerMethod> methods, GrpcServerOptions options, ILogger logger)
    {
        _methods = methods.ToDictionary(m => m.Path, StringComparer.Ordinal);
        _options = options;
        _logger = logger;
        _secretKeys = new HashSet<string>(options.SecretMetadataKeys, StringComparer.OrdinalIgnoreCase)
        {
            GrpcHeaders.Authorization,
        };
        _expectedAuthorization = options.BearerToken is null ? null : Encoding.UTF8.GetBytes("Bearer " + options.BearerToken);
    }

    public async Task DispatchAsync(HttpContext http)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        if (!GrpcHeaders.IsGrpcContentType(request.ContentType))
        {
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        var clock = _options.TimeProvider;
        var startedAt = clock.GetTimestamp();
        var path = request.Path.Value ?? string.Empty;
        var metadata = ReadMetadata(request.Headers);
        var peer = PeerOf(http);
        var trace = _options.Observer is null
            ? null
            : new GrpcCallInfo(CallSide.Server, path, peer, metadata.Redact(_secretKeys), clock.GetUtcNow());
        if (trace is not null)
        {
            _options.Observer!.OnCallStarted(trace);
        }

        var status = Precheck(request, path, out var method, out var timeout);
        if (status.Code != StatusCode.OK)
        {
            ServerCall.WriteTrailersOnly(http.Response, status);
            Complete(trace, status, startedAt);
            return;
        }

        using var callCancellation = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        DateTimeOffset? deadline = null;
        if (timeout is { } limit)
        {
            callCancellation.CancelAfter(limit);
            deadline = clock.GetUtcNow() + limit;
        }
        var context = new ServerCallContext(path, peer, metadata, deadline, callCancellation.Token);
        using var call = new ServerCall(http, context, _options, trace);
        status = await RunAsync(method!, call, request, callCancellation.Token, http.RequestAborted).ConfigureAwait(false);
        await call.CompleteAsync(status).ConfigureAwait(false);
        Complete(trace, status, startedAt);
    }

    private Status Precheck(HttpRequest request, string path, out ServerMethod? method, out TimeSpan? timeout)
    {
        timeout = null;
        if (!_methods.TryGetValue(path, out method))
        {
            return new Status(StatusCode.Unimplemented, $"Method {path} is not implemented by this server.");
        }

        if (_expectedAuthorization is not null)
        {
            var presented = Encoding.UTF8.GetBytes(request.Headers.Authorization.ToString());
            if (!CryptographicOperations.FixedTimeEquals(presented, _expectedAuthorization))
            {
                return new Status(StatusCode.Unauthenticated, "The call carries no valid bearer token.");
            }
        }

        var encoding = request.Headers[GrpcHeaders.Encoding].ToString();
        if (encoding.Length > 0 && encoding != GrpcHeaders.IdentityEncoding)
        {
            return new Status(StatusCode.Unimplemented, $"grpc-encoding '{encoding}' is not supported; use identity.");
        }

        var timeoutHeader = request.Headers[GrpcHeaders.Timeout].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var parsed))
            {
                return new Status(StatusCode.Internal, $"Malformed grpc-timeout header '{timeoutHeader}'.");
            }

            timeout = parsed;
        }

        return Status.Ok;
    }

    /// <summary>
    /// Runs the handler and races it against the call's end: when the deadline passes or the client
    /// goes away, the call completes at once even if the handler ignores its token.
    /// </summary>
    private async Task<Status> RunAsync(
        ServerMethod method, ServerCall call, HttpRequest request, CancellationToken callToken, CancellationToken aborted)
    {
        Task handler;
        try
        {
            var message = await method.ReadRequestAsync(request.BodyReader, _options.MaxReceiveMessageSize, callToken)
                .ConfigureAwait(false);
            if (message is null)
            {
                return new Status(StatusCode.Internal, "The request carries no message.");
            }

            if (call.Trace is not null)
            {
                _options.Observer!.OnRequest(call.Trace, message);
            }

            handler = method.InvokeAsync(call, message);
        }
        catch (Exception e)
        {
            return StatusOf(e, method, callToken, aborted);
        }

        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (callToken.Register(() => ended.TrySetResult()).ConfigureAwait(false))
        {
            await Task.WhenAny(handler, ended.Task).ConfigureAwait(false);
        }

        if (!handler.IsCompleted)
        {
            // Abandoned: observe its eventual fault so that it is not reported as unobserved.
            _ = handler.ContinueWith(
                static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return aborted.IsCancellationRequested
                ? new Status(StatusCode.Cancelled, "The call was cancelled by the client.")
                : new Status(StatusCode.DeadlineExceeded, "The call's deadline passed.");
        }

        try
        {
            await handler.ConfigureAwait(false);
            return Status.Ok;
        }
        catch (Exception e)
        {
            return StatusOf(e, method, callToken, aborted);
        }
    }

    private Status StatusOf(Exception exception, ServerMethod method, CancellationToken callToken, CancellationToken aborted)
    {
        switch (exception)
        {
            case RpcException rpc:
                return rpc.Status;
            case OperationCanceledException when aborted.IsCancellationRequested:
                return new Status(StatusCode.Cancelled, "The call was cancelled by the client.");
            case OperationCanceledException when callToken.IsCancellationRequested:
                return new Status(StatusCode.DeadlineExceeded, "The call's deadline passed.");
            case var other when _options.ExceptionStatus?.Invoke(other) is { } mapped:
                return mapped;
            default:
                LogHandlerFailed(_logger, exception, method.Path);
                return new Status(
                    StatusCode.Unknown,
                    _options.EnableDetailedErrors
                        ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
                        : "Exception was thrown by handler.");
        }
    }

    private void Complete(GrpcCallInfo? trace, Status status, long startedAt)
    {
        if (trace is not null)
        {
            _options.Observer!.OnCallCompleted(trace, status, _options.TimeProvider.GetElapsedTime(startedAt));
        }
    }

    private static Metadata ReadMetadata(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            if (GrpcHeaders.IsTransportHeader(name) || name.EndsWith("-bin", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var value in values)
            {
                metadata.AddTrusted(name.ToLowerInvariant(), value ?? string.Empty);
            }
        }

        return metadata;
    }

    private static string PeerOf(HttpContext http)
    {
        var connection = http.Connection;
        if (connection.RemoteIpAddress is { } address)
        {
            var family = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4";
            return $"{family}:{address}:{connection.RemotePort}";
        }

        return "unix:";
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Handler of {Method} threw")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string method);
}
