using System.Diagnostics;
using System.Text.Json;
using Cluster.Protocol;
using Cluster.Protocol.Transport;
using Cluster.Tests.Interop.V1;
using Cluster.Tests.Support;
using Google.Protobuf;

namespace Cluster.Tests.Transport;

/// <summary>A Python grpcio client against our server.</summary>
[TestFixture]
[Category("Interop")]
public sealed class PythonClientInteropTests
{
    private TestServer _server = null!;
    private JsonElement _results;

    [OneTimeSetUp]
    public async Task RunPythonClient()
    {
        var stubs = PythonGrpc.RequireStubs();
        _server = await TestServer.StartAsync();
        using var client = Process.Start(PythonGrpc.Script("interop_client.py", stubs, _server.Endpoint.ToString(), TestServer.Token))!;
        client.StandardInput.Close();
        var output = client.StandardOutput.ReadToEndAsync();
        var errors = client.StandardError.ReadToEndAsync();
        await client.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(client.ExitCode, Is.Zero, await errors);
        _results = JsonDocument.Parse(await output).RootElement;
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Test]
    public void Unary_call_with_metadata_and_deadline()
    {
        var unary = Case("unary");
        Assert.That(unary.GetProperty("code").GetString(), Is.EqualTo("OK"));
        var result = unary.GetProperty("result");
        Assert.That(result.GetProperty("text").GetString(), Is.EqualTo("héllo"));
        Assert.That(result.GetProperty("payload").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 0, 1, 255 }));
        Assert.That(result.GetProperty("probe").GetString(), Is.EqualTo("42"));
        Assert.That(result.GetProperty("deadline_remaining_ms").GetInt64(), Is.InRange(20_000, 30_000));
    }

    [Test]
    public void Server_streaming_call()
    {
        var streaming = Case("streaming");
        Assert.That(streaming.GetProperty("code").GetString(), Is.EqualTo("OK"));
        Assert.That(streaming.GetProperty("result").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
    }

    [Test]
    public async Task Expired_deadline_fails_the_client_and_cancels_our_handler()
    {
        var deadline = Case("deadline");
        Assert.That(deadline.GetProperty("code").GetString(), Is.EqualTo("DEADLINE_EXCEEDED"));
        Assert.That(deadline.GetProperty("seconds").GetDouble(), Is.LessThan(5));
        await _server.Service.SleepCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public void Error_status_with_non_ascii_message()
    {
        var error = Case("error");
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("FAILED_PRECONDITION"));
        Assert.That(error.GetProperty("details").GetString(), Is.EqualTo("précondition échouée: 資源 ✗ 100%"));
    }

    [Test]
    public void Unknown_method_is_unimplemented() =>
        Assert.That(Case("unknown_method").GetProperty("code").GetString(), Is.EqualTo("UNIMPLEMENTED"));

    [Test]
    public void Missing_token_is_unauthenticated() =>
        Assert.That(Case("no_token").GetProperty("code").GetString(), Is.EqualTo("UNAUTHENTICATED"));

    [Test]
    public void Unknown_method_without_the_token_is_unauthenticated_too() =>
        Assert.That(Case("unknown_method_no_token").GetProperty("code").GetString(), Is.EqualTo("UNAUTHENTICATED"));

    [Test]
    public void Health_check_answers_without_a_token_for_the_server_and_each_service()
    {
        var check = Case("health_check");
        Assert.That(check.GetProperty("code").GetString(), Is.EqualTo("OK"), check.ToString());
        Assert.That(check.GetProperty("result").GetProperty("(server)").GetString(), Is.EqualTo("SERVING"));
        Assert.That(check.GetProperty("result").GetProperty("cluster.testing.v1.Interop").GetString(), Is.EqualTo("SERVING"));
    }

    [Test]
    public void Health_watch_streams_the_status_and_names_an_unknown_service()
    {
        Assert.That(Case("health_watch").GetProperty("result").GetString(), Is.EqualTo("SERVING"), Case("health_watch").ToString());
        Assert.That(Case("health_watch_unknown").GetProperty("result").GetString(), Is.EqualTo("SERVICE_UNKNOWN"), Case("health_watch_unknown").ToString());
    }

    [Test]
    public void Reflection_lists_the_services()
    {
        var list = Case("reflection_list");
        Assert.That(list.GetProperty("code").GetString(), Is.EqualTo("OK"), list.ToString());
        Assert.That(
            list.GetProperty("result").EnumerateArray().Select(e => e.GetString()),
            Is.SupersetOf(new[] { "cluster.testing.v1.Interop", "grpc.health.v1.Health" }));
    }

    [Test]
    public void Reflected_descriptors_are_enough_to_call_a_method()
    {
        var call = Case("reflection_call");
        Assert.That(call.GetProperty("code").GetString(), Is.EqualTo("OK"), call.ToString());
        Assert.That(call.GetProperty("result").GetProperty("input").GetString(), Is.EqualTo("cluster.testing.v1.EchoRequest"));
        Assert.That(call.GetProperty("result").GetProperty("text").GetString(), Is.EqualTo("by reflection"));
    }

    private JsonElement Case(string name) => _results.GetProperty(name);
}

/// <summary>Our client against a Python grpcio server.</summary>
[TestFixture]
[Category("Interop")]
public sealed class PythonServerInteropTests
{
    private const string Token = "python-token";
    private Process _server = null!;
    private GrpcConnection _connection = null!;
    private Interop.V1.Interop.InteropClient _client = null!;

    [OneTimeSetUp]
    public async Task StartPythonServer()
    {
        var stubs = PythonGrpc.RequireStubs();
        _server = Process.Start(PythonGrpc.Script("interop_server.py", stubs, Token))!;
        var line = await _server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("PORT ", StringComparison.Ordinal))
        {
            Assert.Fail($"interop_server.py did not start: {line} {await _server.StandardError.ReadToEndAsync()}");
        }

        var port = int.Parse(line!["PORT ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        _connection = GrpcConnection.Open(GrpcEndpoint.Loopback(port), new GrpcConnectionOptions { BearerToken = Token });
        _client = new Interop.V1.Interop.InteropClient(_connection.Invoker);
    }

    [OneTimeTearDown]
    public async Task StopPythonServer()
    {
        _connection?.Dispose();
        if (_server is not null)
        {
            _server.StandardInput.Close(); // it exits when stdin closes
            await _server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            _server.Dispose();
        }
    }

    private static global::Grpc.Core.CallOptions Within(TimeSpan timeout, global::Grpc.Core.Metadata? headers = null) =>
        new(headers, DateTime.UtcNow.Add(timeout));

    [Test]
    public async Task Unary_call_with_metadata_and_deadline()
    {
        var reply = await _client.EchoAsync(
            new EchoRequest { Text = "héllo", Payload = ByteString.CopyFrom(0, 1, 255) },
            Within(TimeSpan.FromSeconds(30), new global::Grpc.Core.Metadata { { "x-probe", "42" } }));

        Assert.That(reply.Text, Is.EqualTo("héllo"));
        Assert.That(reply.Payload.ToByteArray(), Is.EqualTo(new byte[] { 0, 1, 255 }));
        Assert.That(reply.Probe, Is.EqualTo("42"));
        Assert.That(reply.DeadlineRemainingMs, Is.InRange(20_000, 30_000), "grpcio parsed our grpc-timeout");
    }

    [Test]
    public async Task Server_streaming_call()
    {
        using var call = _client.Count(new CountRequest { Count = 5 }, Within(TimeSpan.FromSeconds(30)));
        var numbers = new List<int>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            numbers.Add(call.ResponseStream.Current.N);
        }

        Assert.That(numbers, Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
    }

    [Test]
    public void Expired_deadline_is_deadline_exceeded()
    {
        var watch = Stopwatch.StartNew();
        var error = Assert.ThrowsAsync<ClusterException>(async () => await _client.SleepAsync(
            new SleepRequest { Milliseconds = 10_000 }, Within(TimeSpan.FromMilliseconds(300))));

        Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.DeadlineExceeded));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public void Error_status_with_non_ascii_message()
    {
        const string message = "précondition échouée: 資源 ✗ 100%";
        var error = Assert.ThrowsAsync<ClusterException>(async () => await _client.FailAsync(
            new FailRequest { Code = (int)global::Grpc.Core.StatusCode.FailedPrecondition, Message = message }, Within(TimeSpan.FromSeconds(30))));

        Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.FailedPrecondition));
        Assert.That(error.Message, Is.EqualTo(message));
    }

    [Test]
    public void Unknown_method_is_unimplemented()
    {
        var error = Assert.ThrowsAsync<ClusterException>(async () =>
            await new Missing.MissingClient(_connection.Invoker).NothingAsync(new EchoRequest(), Within(TimeSpan.FromSeconds(30))));

        Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.Unimplemented));
    }

    [Test]
    public void Missing_token_is_unauthenticated()
    {
        using var anonymous = GrpcConnection.Open(_connection.Endpoint);

        var error = Assert.ThrowsAsync<ClusterException>(async () =>
            await new Interop.V1.Interop.InteropClient(anonymous.Invoker).EchoAsync(new EchoRequest(), Within(TimeSpan.FromSeconds(30))));

        Assert.That(error!.Kind, Is.EqualTo(ClusterErrorKind.Unauthenticated));
    }
}
