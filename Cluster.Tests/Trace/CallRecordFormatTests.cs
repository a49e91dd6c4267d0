using System.Text.Json;
using Cluster.Protocol.Admin.V1;
using Cluster.Service.Trace;

namespace Cluster.Tests.Trace;

public class CallRecordFormatTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 1, 2, 3, 456, TimeSpan.Zero);

    private static CallRecord Online() => new()
    {
        Sequence = 7,
        Node = "n1",
        Kind = "call",
        TimeUnixUs = T0.ToUnixTimeMilliseconds() * 1000 + 789,
        Caller = "n1",
        Callee = "n1/rhs-2 (pid 1234, shared)",
        Method = "/cluster.rhs.v1.ResourceHost/Online",
        Peer = "127.0.0.1:40123",
        Resource = "web-app",
        Group = "web",
        DeadlineMs = 1000,
        Status = "OK",
        DurationMs = 4.25,
        RequestJson = "{ \"resource\": \"web-app\" }",
        ResponseJson = "{ \"state\": \"RESOURCE_STATE_ONLINE\" }",
        Metadata = { ["authorization"] = "<redacted>" },
    };

    [Test]
    public void Line_shows_time_both_ends_method_subject_status_and_duration() =>
        Assert.That(CallRecordFormat.Line(Online(), verbose: false),
            Is.EqualTo("01:02:03.456  n1 -> n1/rhs-2 (pid 1234, shared)  ResourceHost/Online  resource=web-app  group=web  OK  4.3 ms"));

    [Test]
    public void Failed_call_line_carries_the_status_message()
    {
        var record = Online();
        record.Status = "DEADLINE_EXCEEDED";
        record.StatusMessage = "Deadline Exceeded";
        Assert.That(CallRecordFormat.Line(record, verbose: false), Does.EndWith("DEADLINE_EXCEEDED \"Deadline Exceeded\"  4.3 ms"));
    }

    [Test]
    public void Stream_message_points_back_to_the_caller()
    {
        var record = Online();
        record.Kind = "message";
        record.Method = "/cluster.rhs.v1.ResourceHost/WatchEvents";
        Assert.That(CallRecordFormat.Line(record, verbose: false), Does.Contain("n1 <- n1/rhs-2 (pid 1234, shared)  ResourceHost/WatchEvents").And.EndWith("stream message"));
    }

    [Test]
    public void Verbose_adds_deadline_metadata_and_messages() =>
        Assert.That(CallRecordFormat.Line(Online(), verbose: true).Split('\n')[1..], Is.EqualTo(new[]
        {
            "    peer:     127.0.0.1:40123",
            "    deadline: 1000 ms",
            "    metadata: authorization=<redacted>",
            "    request:  { \"resource\": \"web-app\" }",
            "    response: { \"state\": \"RESOURCE_STATE_ONLINE\" }",
        }));

    [Test]
    public void Json_is_one_object_with_the_messages_nested()
    {
        var text = CallRecordFormat.Json(Online());
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Not.Contain('\n'));
            Assert.That(json.GetProperty("time").GetString(), Is.EqualTo("2026-12-05T01:02:03.456789Z"));
            Assert.That(json.GetProperty("node").GetString(), Is.EqualTo("n1"));
            Assert.That(json.GetProperty("sequence").GetInt64(), Is.EqualTo(7));
            Assert.That(json.GetProperty("method").GetString(), Is.EqualTo("/cluster.rhs.v1.ResourceHost/Online"));
            Assert.That(json.GetProperty("peer").GetString(), Is.EqualTo("127.0.0.1:40123"));
            Assert.That(json.GetProperty("resource").GetString(), Is.EqualTo("web-app"));
            Assert.That(json.GetProperty("deadlineMs").GetInt64(), Is.EqualTo(1000));
            Assert.That(json.GetProperty("status").GetString(), Is.EqualTo("OK"));
            Assert.That(json.GetProperty("statusMessage").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(json.GetProperty("durationMs").GetDouble(), Is.EqualTo(4.25));
            Assert.That(json.GetProperty("metadata").GetProperty("authorization").GetString(), Is.EqualTo("<redacted>"));
            Assert.That(json.GetProperty("request").GetProperty("resource").GetString(), Is.EqualTo("web-app"));
            Assert.That(json.GetProperty("response").GetProperty("state").GetString(), Is.EqualTo("RESOURCE_STATE_ONLINE"));
        });
    }
}
