using System.Text.Json;
using Cluster.Protocol;
using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Transport;
using Cluster.Service.Trace;
using Cluster.Tests.Interop.V1;
using Cluster.Tests.Support;
using Grpc.Core;

namespace Cluster.Tests.Trace;

/// <summary>The recorder on a real server and a real client, as a node runs it on its admin API and its RHS connections.</summary>
public class CallRecorderTests
{
    private const string EchoMethod = "/cluster.testing.v1.Interop/Echo";

    private TraceLog _server = null!;
    private TraceLog _client = null!;
    private TestServer _host = null!;
    private GrpcConnection _connection = null!;
    private Interop.V1.Interop.InteropClient _calls = null!;

    [SetUp]
    public async Task StartRecordedServerAndClient()
    {
        _server = new TraceLog("n1", 100);
        _client = new TraceLog("n2", 100);
        _host = await TestServer.StartAsync(configure: o => o.Observer = CallRecorder.ForServer(_server, new HashSet<string> { "/cluster.testing.v1.Interop/Sleep" }));
        _connection = _host.Connect(o =>
        {
            o.CallerName = "tester";
            o.Observer = CallRecorder.ForClient(_client, () => "n1/peer (pid 1, shared)");
        });
        _calls = new Interop.V1.Interop.InteropClient(_connection.Invoker);
    }

    [TearDown]
    public async Task Stop()
    {
        _connection.Dispose();
        await _host.DisposeAsync();
    }

    private static IReadOnlyList<CallRecord> Records(TraceLog log)
    {
        using var subscription = log.Subscribe(0, 0, follow: false);
        return subscription.Backlog;
    }

    [Test]
    public async Task Unary_call_is_one_record_on_each_side_naming_both_ends_with_its_messages()
    {
        var before = DateTimeOffset.UtcNow;
        await _calls.EchoAsync(new EchoRequest { Text = "hello" }, GrpcConnection.Deadline(TimeSpan.FromSeconds(5))).ResponseAsync;

        var server = Records(_server).Single();
        var client = Records(_client).Single();
        Assert.Multiple(() =>
        {
            Assert.That((server.Kind, server.Caller, server.Callee, server.Method, server.Status), Is.EqualTo(("call", "tester", "n1", EchoMethod, "OK")));
            Assert.That((client.Kind, client.Caller, client.Callee, client.Method, client.Status), Is.EqualTo(("call", "n2", "n1/peer (pid 1, shared)", EchoMethod, "OK")));
            Assert.That(JsonDocument.Parse(server.RequestJson).RootElement.GetProperty("text").GetString(), Is.EqualTo("hello"));
            Assert.That(JsonDocument.Parse(client.ResponseJson).RootElement.GetProperty("text").GetString(), Is.EqualTo("hello"));
            Assert.That(server.DeadlineMs, Is.InRange(4_000, 5_000));
            Assert.That(client.DeadlineMs, Is.InRange(4_000, 5_000));
            Assert.That(CallRecordFormat.TimeOf(client), Is.GreaterThanOrEqualTo(before.AddMilliseconds(-1)));
            Assert.That(client.DurationMs, Is.GreaterThan(0));
        });
    }

    [Test]
    public async Task Secrets_in_metadata_are_masked_and_never_recorded()
    {
        await _calls.EchoAsync(new EchoRequest { Text = "x" }, GrpcConnection.Deadline(TimeSpan.FromSeconds(5))).ResponseAsync;

        var server = Records(_server).Single();
        Assert.Multiple(() =>
        {
            Assert.That(server.Metadata["authorization"], Is.EqualTo("<redacted>"));
            Assert.That(server.Metadata[GrpcConnectionOptions.CallerHeader], Is.EqualTo("tester"));
            Assert.That(CallRecordFormat.Json(server), Does.Not.Contain(TestServer.Token));
            Assert.That(CallRecordFormat.Line(server, verbose: true), Does.Not.Contain(TestServer.Token));
        });
    }

    [Test]
    public async Task Server_stream_is_a_record_per_message_then_one_for_its_end()
    {
        using var call = _calls.Count(new CountRequest { Count = 3 }, GrpcConnection.Deadline(TimeSpan.FromSeconds(5)));
        await foreach (var _ in call.ResponseStream.ReadAllAsync())
        {
        }

        foreach (var log in new[] { _server, _client })
        {
            var records = Records(log);
            Assert.That(records.Select(r => r.Kind), Is.EqualTo(new[] { "message", "message", "message", "call" }), log.Node);
            Assert.That(records.Take(3).Select(r => JsonDocument.Parse(r.ResponseJson).RootElement.GetProperty("n").GetInt32()), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(records[3].Status, Is.EqualTo("OK"));
        }
    }

    [Test]
    public void Failed_call_records_the_status_that_went_on_the_wire()
    {
        Assert.ThrowsAsync<ClusterException>(async () => await _calls.FailAsync(
            new FailRequest { Code = (int)StatusCode.NotFound, Message = "no such group" }, GrpcConnection.Deadline(TimeSpan.FromSeconds(5))).ResponseAsync);

        foreach (var log in new[] { _server, _client })
        {
            var record = Records(log).Single();
            Assert.That((record.Status, record.StatusMessage), Is.EqualTo(("NOT_FOUND", "no such group")), log.Node);
        }
    }

    [Test]
    public async Task Skipped_methods_are_not_recorded()
    {
        await _calls.SleepAsync(new SleepRequest { Milliseconds = 1 }, GrpcConnection.Deadline(TimeSpan.FromSeconds(5))).ResponseAsync;

        Assert.That(Records(_server), Is.Empty);
        Assert.That(Records(_client), Has.Count.EqualTo(1), "the client side records it: only the server was told to skip it");
    }

    [TestCase(StatusCode.OK, "OK")]
    [TestCase(StatusCode.DeadlineExceeded, "DEADLINE_EXCEEDED")]
    [TestCase(StatusCode.Unavailable, "UNAVAILABLE")]
    [TestCase(StatusCode.DataLoss, "DATA_LOSS")]
    public void Status_names_are_the_grpc_spec_s(StatusCode code, string name) =>
        Assert.That(CallRecorder.StatusName(code), Is.EqualTo(name));
}
