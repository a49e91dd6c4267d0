using System.Diagnostics;
using System.Net;
using Cluster.Grpc;
using Cluster.Grpc.Client;
using Cluster.Tests.Interop.V1;
using Cluster.Tests.Support;
using Google.Protobuf;

namespace Cluster.Tests.Grpc;

/// <summary>Our client against our server, in one process, over real sockets.</summary>
[TestFixture]
public sealed class WireLayerTests
{
    private static readonly string[] s_transports = ["tcp", "unix"];

    [TestCaseSource(nameof(s_transports))]
    public async Task Unary_call_round_trips_message_and_metadata(string transport)
    {
        await using var server = await TestServer.StartAsync(transport);
        using var channel = server.Connect();

        var reply = await channel.UnaryAsync(
            InteropMethods.Echo,
            new EchoRequest { Text = "héllo", Payload = ByteString.CopyFrom(0, 1, 255) },
            new CallOptions(TimeSpan.FromSeconds(30), new Metadata().Add("x-probe", "42")));

        Assert.That(reply.Text, Is.EqualTo("héllo"));
        Assert.That(reply.Payload.ToByteArray(), Is.EqualTo(new byte[] { 0, 1, 255 }));
        Assert.That(reply.Probe, Is.EqualTo("42"));
        Assert.That(reply.DeadlineRemainingMs, Is.InRange(20_000, 30_000), "the server saw the grpc-timeout");
    }

    [TestCaseSource(nameof(s_transports))]
    public async Task Server_streaming_call_yields_every_message_in_order(string transport)
    {
        await using var server = await TestServer.StartAsync(transport);
        using var channel = server.Connect();

        var numbers = new List<int>();
        await foreach (var reply in channel.ServerStreamingAsync(InteropMethods.Count, new CountRequest { Count = 50 }))
        {
            numbers.Add(reply.N);
        }

        Assert.That(numbers, Is.EqualTo(Enumerable.Range(1, 50)));
    }

    [Test]
    public async Task Deadline_fails_the_client_and_cancels_the_server_handler()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = server.Connect();
        var watch = Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            InteropMethods.Sleep, new SleepRequest { Milliseconds = 30_000 }, new CallOptions(TimeSpan.FromMilliseconds(200))));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        await server.Service.SleepCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task Server_ends_the_call_at_its_deadline_even_when_the_handler_ignores_it()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpMessageInvoker(new SocketsHttpHandler());
        var watch = Stopwatch.StartNew();

        // No client-side timer: only the server's grpc-timeout can end this call.
        using var response = await RawGrpc.SendAsync(
            http, server, "/cluster.testing.v1.Interop/Sleep",
            new SleepRequest { Milliseconds = 30_000, IgnoreCancellation = true }, timeout: "200m");
        await response.Content.ReadAsByteArrayAsync();

        var status = response.Headers.TryGetValues("grpc-status", out var inHeaders)
            ? inHeaders.Single()
            : response.TrailingHeaders.GetValues("grpc-status").Single();
        Assert.That(status, Is.EqualTo(((int)StatusCode.DeadlineExceeded).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "the server did not wait for the handler");
    }

    [Test]
    public async Task Client_cancellation_reaches_the_server_handler()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = server.Connect();
        using var cancel = new CancellationTokenSource();

        var call = channel.UnaryAsync(
            InteropMethods.Sleep, new SleepRequest { Milliseconds = 30_000 }, new CallOptions(CancellationToken: cancel.Token));
        await Task.Delay(100);
        await cancel.CancelAsync();

        var error = Assert.ThrowsAsync<RpcException>(() => call);
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Cancelled));
        await server.Service.SleepCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task Error_status_keeps_code_and_non_ascii_message()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = server.Connect();
        const string message = "précondition échouée: 資源 ✗ 100%";

        var error = Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            InteropMethods.Fail, new FailRequest { Code = (int)StatusCode.FailedPrecondition, Message = message }));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(error.Status.Detail, Is.EqualTo(message));
    }

    [Test]
    public async Task Error_before_any_message_is_a_trailers_only_response()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpMessageInvoker(new SocketsHttpHandler());

        using var response = await RawGrpc.SendAsync(
            http, server, "/cluster.testing.v1.Interop/Fail", new FailRequest { Code = (int)StatusCode.NotFound });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.GetValues("grpc-status").Single(), Is.EqualTo("5"), "status in the headers");
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.Empty);
    }

    [Test]
    public async Task Unknown_method_is_unimplemented()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = server.Connect();

        var error = Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(InteropMethods.Missing, new EchoRequest()));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
        Assert.That(error.Status.Detail, Does.Contain("/cluster.testing.v1.Missing/Nothing"));
    }

    [TestCase(null)]
    [TestCase("wrong-token")]
    public async Task Call_without_the_right_token_is_unauthenticated(string? token)
    {
        await using var server = await TestServer.StartAsync();
        using var channel = server.Connect(token: token);

        var error = Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(InteropMethods.Echo, new EchoRequest()));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
    }

    [Test]
    public async Task Request_over_the_server_limit_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync(configure: o => o.MaxReceiveMessageSize = 1024);
        using var channel = server.Connect();

        var error = Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            InteropMethods.Echo, new EchoRequest { Payload = ByteString.CopyFrom(new byte[4096]) }));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
    }

    [Test]
    public async Task Response_over_the_client_limit_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync();
        using var channel = server.Connect(o => o.MaxReceiveMessageSize = 1024);

        var error = Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            InteropMethods.Echo, new EchoRequest { Payload = ByteString.CopyFrom(new byte[4096]) }));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
    }

    [Test]
    public void Nothing_listening_is_unavailable()
    {
        using var channel = GrpcChannel.Create(GrpcEndpoint.Unix(Path.Combine(Path.GetTempPath(), $"absent-{Guid.NewGuid():N}.sock")));

        var error = Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(InteropMethods.Echo, new EchoRequest()));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unavailable));
    }

    [Test]
    public async Task Observer_sees_every_call_on_both_sides_without_secrets()
    {
        var serverSide = new RecordingObserver();
        var clientSide = new RecordingObserver();
        await using var server = await TestServer.StartAsync(configure: o => o.Observer = serverSide);
        using var channel = server.Connect(o => o.Observer = clientSide);

        await channel.UnaryAsync(
            InteropMethods.Echo, new EchoRequest { Text = "seen" }, new CallOptions(Headers: new Metadata().Add("x-probe", "p")));
        await serverSide.FirstCompletion.Task.WaitAsync(TimeSpan.FromSeconds(10));

        foreach (var (observer, side) in new[] { (serverSide, "server"), (clientSide, "client") })
        {
            var events = observer.Events.ToList();
            Assert.That(events.Select(e => e.Event), Is.EqualTo(new[] { "started", "request", "response", "completed" }), side);
            var call = events[0].Call;
            Assert.That(call.Method, Is.EqualTo("/cluster.testing.v1.Interop/Echo"), side);
            Assert.That(call.Peer, Is.Not.Empty, side);
            Assert.That(call.Metadata.Get("x-probe"), Is.EqualTo("p"), side);
            Assert.That(call.Metadata.Select(m => m.Value), Has.None.Contains(TestServer.Token), side);
            Assert.That(((EchoRequest)events[1].Detail!).Text, Is.EqualTo("seen"), side);
            Assert.That(((EchoReply)events[2].Detail!).Text, Is.EqualTo("seen"), side);
            Assert.That(((Status)events[3].Detail!).Code, Is.EqualTo(StatusCode.OK), side);
        }

        Assert.That(serverSide.Events.First().Call.Metadata.Get("authorization"), Is.EqualTo("<redacted>"));
    }

    [Test]
    public async Task Breaking_out_of_a_stream_cancels_it_on_the_server()
    {
        var observer = new RecordingObserver();
        await using var server = await TestServer.StartAsync(configure: o => o.Observer = observer);
        using var channel = server.Connect();

        await foreach (var reply in channel.ServerStreamingAsync(InteropMethods.Count, new CountRequest { Count = 1_000_000 }))
        {
            if (reply.N == 3)
            {
                break;
            }
        }

        var (_, status, _) = await observer.FirstCompletion.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(status.Code, Is.EqualTo(StatusCode.Cancelled));
    }
}
