using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Cluster.Grpc.Observability;
using Cluster.Grpc.Protocol;
using Google.Protobuf;

namespace Cluster.Grpc.Client;

/// <summary>
/// One call in flight on the client: the HTTP/2 exchange, its deadline and cancellation, reading
/// responses and the final status. Every failure leaves here as an <see cref="RpcException"/>.
/// </summary>
internal sealed class ClientCall<TResponse> : IAsyncDisposable
    where TResponse : class, IMessage<TResponse>
{
    private readonly GrpcChannel _channel;
    private readonly MessageParser<TResponse> _parser;
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationTokenSource _linked;
    private readonly GrpcCallInfo? _trace;
    private readonly long _startedAt;
    private HttpResponseMessage? _response;
    private PipeReader? _body;
    private Status? _status;

    public ClientCall(
        GrpcChannel channel, string path, MessageParser<TResponse> parser, CallOptions options, CancellationToken extraToken)
    {
        _channel = channel;
        _parser = parser;
        Path = path;
        var clock = channel.Options.TimeProvider;
        _startedAt = clock.GetTimestamp();
        _deadline = options.Timeout is { } timeout ? new CancellationTokenSource(timeout, clock) : null;
        _linked = CancellationTokenSource.CreateLinkedTokenSource(
            options.CancellationToken, extraToken, _deadline?.Token ?? CancellationToken.None);
        Timeout = options.Timeout;
        Headers = options.Headers ?? Metadata.Empty;
        if (channel.Options.Observer is not null)
        {
            _trace = new GrpcCallInfo(
                CallSide.Client, path, channel.Endpoint.ToString(), Headers.Redact(channel.SecretKeys), clock.GetUtcNow());
            channel.Options.Observer.OnCallStarted(_trace);
        }
    }

    public string Path { get; }

    public TimeSpan? Timeout { get; }

    public Metadata Headers { get; }

    public async Task SendAsync(IMessage request)
    {
        try
        {
            var frame = MessageFraming.ToFrame(request, _channel.Options.MaxSendMessageSize);
            using var message = _channel.CreateRequest(this, frame);
            if (_trace is not null)
            {
                _channel.Options.Observer!.OnRequest(_trace, request);
            }

            _response = await _channel.Invoker.SendAsync(message, _linked.Token).ConfigureAwait(false);
            _status = StatusFromHeaders(_response);
            if (_status is null)
            {
                var stream = await _response.Content.ReadAsStreamAsync(_linked.Token).ConfigureAwait(false);
                _body = PipeReader.Create(stream);
            }
        }
        catch (Exception e)
        {
            throw Fail(e);
        }
    }

    /// <summary>The next response, or null once the server has finished (successfully or not).</summary>
    public async ValueTask<TResponse?> ReadAsync()
    {
        if (_body is null)
        {
            return null;
        }

        try
        {
            var message = await MessageFraming.ReadAsync(_body, _parser, _channel.Options.MaxReceiveMessageSize, _linked.Token)
                .ConfigureAwait(false);
            if (message is null)
            {
                _status = StatusFromTrailers(_response!);
                await _body.CompleteAsync().ConfigureAwait(false);
                _body = null;
                return null;
            }

            if (_trace is not null)
            {
                _channel.Options.Observer!.OnResponse(_trace, message);
            }

            return message;
        }
        catch (Exception e)
        {
            throw Fail(e);
        }
    }

    /// <summary>Throws the call's status unless it is OK; records the end for observers.</summary>
    public void EnsureSuccess()
    {
        var status = _status ?? new Status(StatusCode.Internal, "The call ended without a status.");
        Finish(status);
        if (status.Code != StatusCode.OK)
        {
            throw new RpcException(status);
        }
    }

    /// <summary>Ends the call early (caller stopped reading): resets the stream, reports CANCELLED.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_status is null)
        {
            Finish(new Status(StatusCode.Cancelled, "The caller stopped reading."));
        }

        await _linked.CancelAsync().ConfigureAwait(false);
        if (_body is not null)
        {
            await _body.CompleteAsync().ConfigureAwait(false);
        }

        _response?.Dispose();
        _linked.Dispose();
        _deadline?.Dispose();
    }

    private RpcException Fail(Exception exception)
    {
        var status = exception switch
        {
            RpcException rpc => rpc.Status,
            OperationCanceledException when _deadline?.IsCancellationRequested == true =>
                new Status(StatusCode.DeadlineExceeded, $"Deadline of {Timeout} exceeded calling {Path}."),
            OperationCanceledException => new Status(StatusCode.Cancelled, $"Call to {Path} was cancelled."),
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } e =>
                new Status(StatusCode.Unavailable, $"Cannot connect to {_channel.Endpoint}: {e.Message}"),
            HttpProtocolException e => new Status(StatusCode.Internal, $"HTTP/2 error calling {Path}: {e.Message}"),
            HttpRequestException or IOException =>
                new Status(StatusCode.Unavailable, $"Connection to {_channel.Endpoint} failed: {exception.Message}"),
            _ => new Status(StatusCode.Internal, $"Call to {Path} failed: {exception.GetType().Name}: {exception.Message}"),
        };
        _status = status;
        Finish(status);
        return exception as RpcException ?? new RpcException(status);
    }

    private void Finish(Status status)
    {
        if (_trace is not null)
        {
            _channel.Options.Observer!.OnCallCompleted(_trace, status, _channel.Options.TimeProvider.GetElapsedTime(_startedAt));
        }
    }

    /// <summary>A status carried in the response headers: trailers-only, or a non-gRPC HTTP answer.</summary>
    private static Status? StatusFromHeaders(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new Status(
                HttpStatusMapping.ToStatusCode(response.StatusCode),
                $"Bad gRPC response: HTTP status {(int)response.StatusCode}.");
        }

        if (ReadStatus(response.Headers) is { } status)
        {
            return status;
        }

        var contentType = response.Content.Headers.ContentType?.MediaType;
        return GrpcHeaders.IsGrpcContentType(contentType)
            ? null
            : new Status(StatusCode.Internal, $"Bad gRPC response: content-type '{contentType}'.");
    }

    private static Status StatusFromTrailers(HttpResponseMessage response) =>
        ReadStatus(response.TrailingHeaders)
        ?? new Status(StatusCode.Internal, "The response ended without grpc-status.");

    private static Status? ReadStatus(HttpHeaders headers)
    {
        if (!headers.TryGetValues(GrpcHeaders.Status, out var values))
        {
            return null;
        }

        var text = values.FirstOrDefault();
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Internal, $"Malformed grpc-status '{text}'.");
        }

        var detail = headers.TryGetValues(GrpcHeaders.Message, out var messages)
            ? StatusMessageEncoding.Decode(messages.FirstOrDefault() ?? string.Empty)
            : string.Empty;
        return new Status((StatusCode)code, detail);
    }
}
