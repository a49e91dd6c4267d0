using System.Net;
using Google.Protobuf;

namespace Cluster.Tests.Support;

/// <summary>Hand-made gRPC requests, to check the server's side of the protocol with no client logic in between.</summary>
public static class RawGrpc
{
    public static async Task<HttpResponseMessage> SendAsync(
        HttpMessageInvoker http, TestServer server, string path, IMessage message, string? timeout = null)
    {
        var body = message.ToByteArray();
        var frame = new byte[5 + body.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)body.Length);
        body.CopyTo(frame, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{server.Endpoint}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        request.Headers.TryAddWithoutValidation("authorization", "Bearer " + TestServer.Token);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (timeout is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", timeout);
        }

        return await http.SendAsync(request, CancellationToken.None);
    }
}
