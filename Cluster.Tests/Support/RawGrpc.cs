using System.Net;
using Google.Protobuf;

namespace Cluster.Tests.Support;

/// <summary>Hand-made gRPC requests, to check what the server does with a request no gRPC client would send.</summary>
public static class RawGrpc
{
    /// <summary>POSTs <paramref name="messages"/> as length-prefixed frames in one request body, with the test token.</summary>
    public static async Task<HttpResponseMessage> SendAsync(
        HttpMessageInvoker http, TestServer server, string path, IReadOnlyList<IMessage> messages)
    {
        using var body = new MemoryStream();
        foreach (var message in messages)
        {
            var bytes = message.ToByteArray();
            var prefix = new byte[5];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(1), (uint)bytes.Length);
            body.Write(prefix);
            body.Write(bytes);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{server.Endpoint}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body.ToArray()),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        request.Headers.TryAddWithoutValidation("authorization", "Bearer " + TestServer.Token);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        var response = await http.SendAsync(request, CancellationToken.None);
        await response.Content.LoadIntoBufferAsync(); // the trailers arrive after the body
        return response;
    }

    /// <summary>grpc-status, from the headers of a trailers-only response or from the trailers.</summary>
    public static string? StatusOf(HttpResponseMessage response) => Header(response, "grpc-status");

    public static string? MessageOf(HttpResponseMessage response) => Header(response, "grpc-message");

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.TrailingHeaders.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;
}
