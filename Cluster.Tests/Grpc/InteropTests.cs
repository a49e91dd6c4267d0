using System.Diagnostics;
using System.Text.Json;
using Cluster.Grpc;
using Cluster.Grpc.Client;
using Cluster.Tests.Interop.V1;
using Cluster.Tests.Support;
using Google.Protobuf;

namespace Cluster.Tests.Grpc;

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

    private JsonElement Case(string name) => _results.GetProperty(name);
}

/// <summary>Our client against a Python grpcio server.</summary>
[TestFixture]
[Category("Interop")]
public sealed class PythonServerInteropTests
{
    private const string Token = "python-token";
    private Process _server = null!;
    private GrpcChannel _channel = null!;

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
        _channel = GrpcChannel.Create(GrpcEndpoint.Loopback(port), new GrpcChannelOptions { BearerToken = Token });
    }

    [OneTimeTearDown]
    public async Task StopPythonServer()
    {
        _channel?.Dispose();
        if (_server is not null)
        {
            _server.StandardInput.Close(); // it exits when stdin closes
            await _server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            _server.Dispose();
        }
    }

    [Test]
    public async Task Unary_call_with_metadata_and_deadline()
    {
        var reply = await _channel.UnaryAsync(
            InteropMethods.Echo,
            new EchoRequest { Text = "héllo", Payload = ByteString.CopyFrom(0, 1, 255) },
            new CallOptions(TimeSpan.FromSeconds(30), new Metadata().Add("x-probe", "42")));

        Assert.That(reply.Text, Is.EqualTo("héllo"));
        Assert.That(reply.Payload.ToByteArray(), Is.EqualTo(new byte[] { 0, 1, 255 }));
        Assert.That(reply.Probe, Is.EqualTo("42"));
        Assert.That(reply.DeadlineRemainingMs, Is.InRange(20_000, 30_000), "grpcio parsed our grpc-timeout");
    }

    [Test]
    public async Task Server_streaming_call()
    {
        var numbers = new List<int>();
        await foreach (var reply in _channel.ServerStreamingAsync(InteropMethods.Count, new CountRequest { Count = 5 }))
        {
            numbers.Add(reply.N);
        }

        Assert.That(numbers, Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
    }

    [Test]
    public void Expired_deadline_is_deadline_exceeded()
    {
        var watch = Stopwatch.StartNew();
        var error = Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(
            InteropMethods.Sleep, new SleepRequest { Milliseconds = 10_000 }, new CallOptions(TimeSpan.FromMilliseconds(300))));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public void Error_status_with_non_ascii_message()
    {
        const string message = "précondition échouée: 資源 ✗ 100%";
        var error = Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(
            InteropMethods.Fail, new FailRequest { Code = (int)StatusCode.FailedPrecondition, Message = message }));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(error.Status.Detail, Is.EqualTo(message));
    }

    [Test]
    public void Unknown_method_is_unimplemented()
    {
        var error = Assert.ThrowsAsync<RpcException>(() => _channel.UnaryAsync(InteropMethods.Missing, new EchoRequest()));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
    }

    [Test]
    public void Missing_token_is_unauthenticated()
    {
        using var anonymous = GrpcChannel.Create(_channel.Endpoint);

        var error = Assert.ThrowsAsync<RpcException>(() => anonymous.UnaryAsync(InteropMethods.Echo, new EchoRequest()));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
    }
}
