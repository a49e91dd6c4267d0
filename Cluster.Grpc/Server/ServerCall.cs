using Cluster.Grpc.Observability;
using Cluster.Grpc.Protocol;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Cluster.Grpc.Server;

/// <summary>
/// The response side of one call. Writes and completion are serialized, and nothing is written after
/// completion: a handler still running past its deadline cannot touch a finished HTTP response.
/// </summary>
internal sealed class ServerCall(
    HttpContext http, ServerCallContext context, GrpcServerOptions options, GrpcCallInfo? trace) : IDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private bool _completed;

    public ServerCallContext Context { get; } = context;

    public GrpcCallInfo? Trace { get; } = trace;

    public async Task WriteMessageAsync(IMessage message, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_completed)
            {
                throw new OperationCanceledException("The call has already completed.");
            }

            var response = http.Response;
            if (!response.HasStarted)
            {
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = GrpcHeaders.ContentType;
            }

            MessageFraming.Write(response.BodyWriter, message, options.MaxSendMessageSize);
            if (Trace is not null)
            {
                options.Observer!.OnResponse(Trace, message);
            }

            await response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Ends the call with <paramref name="status"/>: as trailers, or trailers-only if nothing was sent.</summary>
    public async Task CompleteAsync(Status status)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            var response = http.Response;
            if (!response.HasStarted)
            {
                WriteTrailersOnly(response, status);
                return;
            }

            response.AppendTrailer(GrpcHeaders.Status, ((int)status.Code).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (status.Detail.Length > 0)
            {
                response.AppendTrailer(GrpcHeaders.Message, StatusMessageEncoding.Encode(status.Detail));
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public static void WriteTrailersOnly(HttpResponse response, Status status)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcHeaders.ContentType;
        response.Headers[GrpcHeaders.Status] = ((int)status.Code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (status.Detail.Length > 0)
        {
            response.Headers[GrpcHeaders.Message] = StatusMessageEncoding.Encode(status.Detail);
        }
    }

    public void Dispose() => _writeLock.Dispose();
}
