using System.Diagnostics;
using System.Net;
using Cluster.Protocol;
using Cluster.Protocol.Transport;
using Cluster.Tests.Interop.V1;
using Cluster.Tests.Support;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;

namespace Cluster.Tests.Transport;

/// <summary>Our client against our server (grpc-dotnet with the cluster's interceptors), in one process, over real sockets.</summary>
[TestFixture]
public sealed class TransportTests
{
    private static readonly string[] s_transports = ["tcp", "unix"];

    private static CallOptions Within(TimeSpan timeout, Metadata? headers = null, CancellationToken cancellationToken = default) =>
        new(headers, DateTime.UtcNow.Add(timeout), cancellationToken);

    private static Interop.V1.Interop.InteropClient Client(GrpcConnection connection) => new(connection.Invoker);

    [TestCaseSource(nameof(s_transports))]
    public async Task Unary_call_round_trips_message_and_metadata(string transport)
    {
        await using var server = await TestServer.StartAsync(transport);
        using var connection = server.Connect();

        var reply = await Client(connection).EchoAsync(
            new EchoRequest { Text = "héllo", Payload = ByteString.CopyFrom(0, 1, 255) },
            Within(TimeSpan.FromSeconds(30), new Metadata { { "x-probe", "42" } }));

        Assert.That(reply.Text, Is.EqualTo("héllo"));
        Assert.That(reply.Payload.ToByteArray(), Is.EqualTo(new byte[] { 0, 1, 255 }));
        Assert.That(reply.Probe, Is.EqualTo("42"));
        Assert.That(reply.DeadlineRemainingMs, Is.InRange(20_000, 30_000), "the server saw the deadline");
    }

    [TestCaseSource(nameof(s_transports))]
    public async Task Server_streaming_call_yields_every_message_in_order(string transport)
    {
        await using var server = await TestServer.StartAsync(transport);
        using var connection = server.Connect();

        using var call = Client(connection).Count(new CountRequest { Count = 50 }, Within(TimeSpan.FromSeconds(30)));
        var numbers = new List<int>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            numbers.Add(call.ResponseStream.Current.N);
        }

        Assert.That(numbers, Is.EqualTo(Enumerable.Range(1, 50)));
    }

    [Test]
    public async Task Deadline_fails_the_client_as_a_cluster_error_and_cancels_the_server_handler()
    {
        await using var server = await TestServer.StartAsync();
        using var connection = server.Connect();
        var watch = Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<ClusterException>(async () => await Client(connection).SleepAsync(
            new SleepRequest { Milliseconds = 30_000 }, Within(TimeSpan.FromMilliseconds(200))));

        Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.DeadlineExceeded));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        await server.Service.SleepCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task Client_cancellation_throws_operation_cancelled_and_reaches_the_server_handler()
    {
        await using var server = await TestServer.StartAsync();
        using var connection = server.Connect();
        using var cancel = new CancellationTokenSource();

        var call = Client(connection).SleepAsync(new SleepRequest { Milliseconds = 30_000 }, Within(TimeSpan.FromSeconds(60), cancellationToken: cancel.Token));
        await server.Service.SleepStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cancel.CancelAsync();

        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
        await server.Service.SleepCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [TestCase(StatusCode.Cancelled)]
    [TestCase(StatusCode.Unavailable)] // grpc-dotnet's "The request was aborted" when the stream's reset wins the race
    public void A_call_its_caller_cancelled_ends_in_operation_cancelled_whatever_status_won(StatusCode status)
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var error = new RpcException(new Status(status, "Error reading next message. IOException: The request was aborted."));

        Assert.That(ClusterErrorClientInterceptor.Translate(error, cancelled.Token), Is.InstanceOf<OperationCanceledException>());
        Assert.That(ClusterErrorClientInterceptor.Translate(error, CancellationToken.None), Is.InstanceOf<ClusterException>(), "not cancelled by its caller");
        Assert.That(ClusterErrorClientInterceptor.Translate(new RpcException(new Status(StatusCode.DeadlineExceeded, "")), cancelled.Token),
            Is.InstanceOf<ClusterException>().With.Property("Kind").EqualTo(ClusterErrorKind.DeadlineExceeded), "a passed deadline stays a deadline");
    }

    private static IEnumerable<ClusterErrorKind> ErrorKinds() => Enum.GetValues<ClusterErrorKind>();

    [TestCaseSource(nameof(ErrorKinds))]
    public async Task Cluster_error_crosses_the_wire_with_its_kind_and_non_ascii_message(ClusterErrorKind kind)
    {
        const string message = "précondition échouée: 資源 ✗ 100%";
        await using var server = await TestServer.StartAsync();
        using var connection = server.Connect();

        var error = Assert.ThrowsAsync<ClusterException>(async () => await Client(connection).FailAsync(
            new FailRequest { Code = (int)StatusMapping.ToStatusCode(kind), Message = message }, Within(TimeSpan.FromSeconds(30))));

        Assert.That(error!.Kind, Is.EqualTo(kind));
        Assert.That(error.Message, Is.EqualTo(message));
    }

    [Test]
    public async Task Unexpected_handler_exception_is_unknown_and_names_the_exception()
    {
        await using var server = await TestServer.StartAsync();
        using var connection = server.Connect();

        var error = Assert.ThrowsAsync<ClusterException>(async () => await Client(connection).FailAsync(
            new FailRequest { Code = -1, Message = "a bug" }, Within(TimeSpan.FromSeconds(30))));

        Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.Unknown));
        Assert.That(error.Message, Does.Contain("InvalidOperationException").And.Contain("a bug"));
    }

    [Test]
    public async Task Host_can_name_foreign_exceptions_in_the_cluster_s_terms()
    {
        await using var server = await TestServer.StartAsync(configure: o => o.TranslateException = e =>
            e is InvalidOperationException ? new ClusterException(ClusterErrorKind.Unavailable, "the store is away: " + e.Message) : null);
        using var connection = server.Connect();

        var error = Assert.ThrowsAsync<ClusterException>(async () => await Client(connection).FailAsync(
            new FailRequest { Code = -1, Message = "disk I/O error" }, Within(TimeSpan.FromSeconds(30))));

        Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.Unavailable));
        Assert.That(error.Message, Is.EqualTo("the store is away: disk I/O error"));
    }

    [Test]
    public async Task Unknown_method_is_unimplemented_for_an_authenticated_caller()
    {
        await using var server = await TestServer.StartAsync();
        using var connection = server.Connect();

        var error = Assert.ThrowsAsync<ClusterException>(async () =>
            await new Missing.MissingClient(connection.Invoker).NothingAsync(new EchoRequest(), Within(TimeSpan.FromSeconds(30))));

        Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.Unimplemented));
    }

    [TestCase(null)]
    [TestCase("wrong-token")]
    public async Task Call_without_the_right_token_is_unauthenticated_whether_the_method_exists_or_not(string? token)
    {
        await using var server = await TestServer.StartAsync();
        using var connection = server.Connect(token: token);

        var known = Assert.ThrowsAsync<ClusterException>(async () => await Client(connection).EchoAsync(new EchoRequest(), Within(TimeSpan.FromSeconds(30))));
        var unknown = Assert.ThrowsAsync<ClusterException>(async () =>
            await new Missing.MissingClient(connection.Invoker).NothingAsync(new EchoRequest(), Within(TimeSpan.FromSeconds(30))));

        Assert.That(known!.Kind, Is.EqualTo(ClusterErrorKind.Unauthenticated));
        Assert.That(unknown!.Kind, Is.EqualTo(ClusterErrorKind.Unauthenticated), "an unknown method tells nothing to a caller without the token");
        Assert.That(server.Service.Echoes, Is.Zero);
    }

    [Test]
    public async Task Unary_request_carrying_two_messages_is_refused_not_half_read()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpMessageInvoker(new SocketsHttpHandler());

        using var response = await RawGrpc.SendAsync(
            http, server, "/cluster.testing.v1.Interop/Echo", [new EchoRequest { Text = "one" }, new EchoRequest { Text = "two" }]);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var status = RawGrpc.StatusOf(response);
        Assert.That(status, Is.Not.EqualTo("0"), "grpc-status");
        Assert.That(status, Is.EqualTo(((int)StatusCode.Internal).ToString(System.Globalization.CultureInfo.InvariantCulture)), RawGrpc.MessageOf(response));
        Assert.That(server.Service.Echoes, Is.Zero, "the handler never saw a request");
    }

    [Test]
    public async Task Request_over_the_server_limit_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync(configure: o => o.MaxReceiveMessageSize = 1024);
        using var connection = server.Connect();

        var error = Assert.ThrowsAsync<ClusterException>(async () => await Client(connection).EchoAsync(
            new EchoRequest { Payload = ByteString.CopyFrom(new byte[4096]) }, Within(TimeSpan.FromSeconds(30))));

        Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.ResourceExhausted));
    }

    [Test]
    public async Task Response_over_the_client_limit_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync();
        using var connection = server.Connect(o => o.MaxReceiveMessageSize = 1024);

        var error = Assert.ThrowsAsync<ClusterException>(async () => await Client(connection).EchoAsync(
            new EchoRequest { Payload = ByteString.CopyFrom(new byte[4096]) }, Within(TimeSpan.FromSeconds(30))));

        Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.ResourceExhausted));
    }

    [Test]
    public void Nothing_listening_is_unavailable()
    {
        using var connection = GrpcConnection.Open(GrpcEndpoint.Unix(Path.Combine(Path.GetTempPath(), $"absent-{Guid.NewGuid():N}.sock")));

        var error = Assert.ThrowsAsync<ClusterException>(async () => await Client(connection).EchoAsync(new EchoRequest(), Within(TimeSpan.FromSeconds(30))));

        Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.Unavailable));
    }

    [Test]
    public async Task Health_answers_without_a_token_per_service_and_follows_the_host()
    {
        await using var server = await TestServer.StartAsync();
        using var anonymous = server.Connect(token: null);
        var health = new Health.HealthClient(anonymous.Invoker);

        var whole = await health.CheckAsync(new HealthCheckRequest { Service = "" }, Within(TimeSpan.FromSeconds(30)));
        var interop = await health.CheckAsync(new HealthCheckRequest { Service = "cluster.testing.v1.Interop" }, Within(TimeSpan.FromSeconds(30)));
        server.Host.SetServing("cluster.testing.v1.Interop", serving: false);
        var stopped = await health.CheckAsync(new HealthCheckRequest { Service = "cluster.testing.v1.Interop" }, Within(TimeSpan.FromSeconds(30)));
        var unknown = Assert.ThrowsAsync<ClusterException>(async () =>
            await health.CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }, Within(TimeSpan.FromSeconds(30))));

        Assert.That(whole.Status, Is.EqualTo(HealthCheckResponse.Types.ServingStatus.Serving));
        Assert.That(interop.Status, Is.EqualTo(HealthCheckResponse.Types.ServingStatus.Serving));
        Assert.That(stopped.Status, Is.EqualTo(HealthCheckResponse.Types.ServingStatus.NotServing));
        Assert.That(unknown!.Kind, Is.EqualTo(ClusterErrorKind.NotFound));
    }

    [Test]
    public async Task Observer_sees_every_call_on_both_sides_without_secrets()
    {
        var serverSide = new RecordingObserver();
        var clientSide = new RecordingObserver();
        await using var server = await TestServer.StartAsync(configure: o => o.Observer = serverSide);
        using var connection = server.Connect(o => o.Observer = clientSide);

        await Client(connection).EchoAsync(new EchoRequest { Text = "seen" }, Within(TimeSpan.FromSeconds(30), new Metadata { { "x-probe", "p" } }));
        await serverSide.FirstCompletion.Task.WaitAsync(TimeSpan.FromSeconds(10));

        foreach (var (observer, side) in new[] { (serverSide, "server"), (clientSide, "client") })
        {
            var events = observer.Events.ToList();
            Assert.That(events.Select(e => e.Event), Is.EqualTo(new[] { "started", "request", "response", "completed" }), side);
            var call = events[0].Call;
            Assert.That(call.Method, Is.EqualTo("/cluster.testing.v1.Interop/Echo"), side);
            Assert.That(call.Peer, Is.Not.Empty, side);
            Assert.That(call.Metadata, Does.Contain(new KeyValuePair<string, string>("x-probe", "p")), side);
            Assert.That(call.Metadata.Select(m => m.Value), Has.None.Contains(TestServer.Token), side);
            Assert.That(((EchoRequest)events[1].Detail!).Text, Is.EqualTo("seen"), side);
            Assert.That(((EchoReply)events[2].Detail!).Text, Is.EqualTo("seen"), side);
            Assert.That(((Status)events[3].Detail!).StatusCode, Is.EqualTo(StatusCode.OK), side);
        }

        Assert.That(serverSide.Events.First().Call.Metadata, Does.Contain(new KeyValuePair<string, string>("authorization", "<redacted>")));
    }

    [Test]
    public async Task Observer_sees_the_status_that_went_on_the_wire()
    {
        var serverSide = new RecordingObserver();
        var clientSide = new RecordingObserver();
        await using var server = await TestServer.StartAsync(configure: o => o.Observer = serverSide);
        using var connection = server.Connect(o => o.Observer = clientSide);

        Assert.ThrowsAsync<ClusterException>(async () => await Client(connection).FailAsync(
            new FailRequest { Code = (int)StatusCode.NotFound, Message = "no such group" }, Within(TimeSpan.FromSeconds(30))));
        var (_, onServer, _) = await serverSide.FirstCompletion.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var (_, onClient, _) = await clientSide.FirstCompletion.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That((onServer.StatusCode, onServer.Detail), Is.EqualTo((StatusCode.NotFound, "no such group")));
        Assert.That((onClient.StatusCode, onClient.Detail), Is.EqualTo((StatusCode.NotFound, "no such group")));
    }

    [Test]
    public async Task Breaking_out_of_a_stream_cancels_it_on_the_server()
    {
        await using var server = await TestServer.StartAsync();
        using var connection = server.Connect();

        // Endless in practice: once the client reset the stream, Kestrel discards writes without waiting, so a finite
        // count could run out (and the handler drop its token registration) before the token's callback runs (seen in
        // CI with a million). Only the cancellation ends this handler.
        using (var call = Client(connection).Count(new CountRequest { Count = int.MaxValue }, Within(TimeSpan.FromSeconds(60))))
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None) && call.ResponseStream.Current.N < 3)
            {
            }
        }

        // The handler's token fires.
        Assert.That(
            async () => await server.Service.CountCancelled.Task.WaitAsync(TimeSpan.FromSeconds(30)), Throws.Nothing);
    }
}
