using System.Collections.Concurrent;
using Grpc.Core;
using Cluster.Protocol.Transport.Observability;
using Google.Protobuf;

namespace Cluster.Tests.Support;

/// <summary>Records everything the call hook reports.</summary>
public sealed class RecordingObserver : GrpcCallObserver
{
    public ConcurrentQueue<(GrpcCallInfo Call, string Event, object? Detail)> Events { get; } = new();

    public TaskCompletionSource<(GrpcCallInfo Call, Status Status, TimeSpan Duration)> FirstCompletion { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void OnCallStarted(GrpcCallInfo call) => Events.Enqueue((call, "started", null));

    public override void OnRequest(GrpcCallInfo call, IMessage message) => Events.Enqueue((call, "request", message));

    public override void OnResponse(GrpcCallInfo call, IMessage message) => Events.Enqueue((call, "response", message));

    public override void OnCallCompleted(GrpcCallInfo call, Status status, TimeSpan duration)
    {
        Events.Enqueue((call, "completed", status));
        FirstCompletion.TrySetResult((call, status, duration));
    }
}
