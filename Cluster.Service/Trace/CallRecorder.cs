using Cluster.Protocol.Admin.V1;
using Cluster.Protocol.Transport;
using Cluster.Protocol.Transport.Observability;
using Google.Protobuf;
using Grpc.Core;

namespace Cluster.Service.Trace;

/// <summary>
/// Records the calls of one endpoint into the node's <see cref="TraceLog"/>: a unary call as one record
/// when it ends, a server stream as one record per message and one at its end. Both ends are named the
/// cluster's way; the request and responses are kept as protobuf JSON (secrets travel only in metadata,
/// which the transport masks before an observer sees it).
/// </summary>
internal sealed class CallRecorder : GrpcCallObserver
{
    private readonly TraceLog _log;
    private readonly Func<GrpcCallInfo, string> _caller;
    private readonly Func<string> _callee;
    private readonly IReadOnlySet<string> _skipped;
    private readonly TimeProvider _time;

    private CallRecorder(TraceLog log, Func<GrpcCallInfo, string> caller, Func<string> callee, IReadOnlySet<string> skipped, TimeProvider time)
    {
        _log = log;
        _caller = caller;
        _callee = callee;
        _skipped = skipped;
        _time = time;
    }

    /// <summary>
    /// For the node's own server: the caller names itself in "cluster-caller" (the CLI sends "cli"), else
    /// it is its address. <paramref name="skippedMethods"/> are not recorded (a trace's own stream).
    /// </summary>
    public static CallRecorder ForServer(TraceLog log, IReadOnlySet<string> skippedMethods, TimeProvider? time = null) =>
        new(log, CallerOf, () => log.Node, skippedMethods, time ?? TimeProvider.System);

    /// <summary>For the node's client of one peer: the node calls <paramref name="callee"/> (named when the call is recorded).</summary>
    public static CallRecorder ForClient(TraceLog log, Func<string> callee, TimeProvider? time = null) =>
        new(log, _ => log.Node, callee, new HashSet<string>(), time ?? TimeProvider.System);

    public override void OnRequest(GrpcCallInfo call, IMessage message)
    {
        if (_skipped.Contains(call.Method))
        {
            return;
        }

        var (resource, group) = MessageSubjects.Of(message, call.Method);
        call.ObserverState = new Pending(JsonFormatter.Default.Format(message), resource, group);
    }

    public override void OnResponse(GrpcCallInfo call, IMessage message)
    {
        if (call.ObserverState is not Pending pending)
        {
            return;
        }

        if (!call.ServerStreaming)
        {
            pending.ResponseJson = JsonFormatter.Default.Format(message);
            return;
        }

        var (resource, group) = MessageSubjects.Of(message, call.Method);
        var record = Record(call, pending, "message", _time.GetUtcNow());
        record.Resource = resource ?? record.Resource;
        record.Group = group ?? record.Group;
        record.ResponseJson = JsonFormatter.Default.Format(message);
        _log.Add(record);
    }

    public override void OnCallCompleted(GrpcCallInfo call, Status status, TimeSpan duration)
    {
        if (call.ObserverState is not Pending pending)
        {
            return;
        }

        var record = Record(call, pending, "call", call.Started);
        record.Status = StatusName(status.StatusCode);
        record.StatusMessage = status.Detail ?? string.Empty;
        record.DurationMs = duration.TotalMilliseconds;
        record.ResponseJson = pending.ResponseJson ?? string.Empty;
        _log.Add(record);
    }

    /// <summary>The gRPC spec's name of a status code: "OK", "DEADLINE_EXCEEDED".</summary>
    public static string StatusName(StatusCode code) => code == StatusCode.OK
        ? "OK"
        : string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));

    private CallRecord Record(GrpcCallInfo call, Pending pending, string kind, DateTimeOffset time)
    {
        var record = new CallRecord
        {
            Kind = kind,
            TimeUnixUs = UnixMicroseconds.From(time),
            Caller = _caller(call),
            Callee = _callee(),
            Method = call.Method,
            Peer = call.Peer,
            Resource = pending.Resource ?? string.Empty,
            Group = pending.Group ?? string.Empty,
            DeadlineMs = call.Deadline is { } deadline ? (long)Math.Max(0, (deadline - call.Started.UtcDateTime).TotalMilliseconds) : 0,
            RequestJson = pending.RequestJson,
        };
        foreach (var (key, value) in call.Metadata)
        {
            record.Metadata[key] = value;
        }

        return record;
    }

    private static string CallerOf(GrpcCallInfo call)
    {
        foreach (var (key, value) in call.Metadata)
        {
            if (key == GrpcConnectionOptions.CallerHeader)
            {
                return value;
            }
        }

        return $"peer {call.Peer}";
    }

    private sealed class Pending(string requestJson, string? resource, string? group)
    {
        public string RequestJson { get; } = requestJson;

        public string? Resource { get; } = resource;

        public string? Group { get; } = group;

        public string? ResponseJson { get; set; }
    }
}
