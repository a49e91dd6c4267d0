using Cluster.Protocol;
using Cluster.Protocol.Transport;
using Cluster.Tests.Interop.V1;
using Grpc.Core;

namespace Cluster.Tests.Support;

/// <summary>Our implementation of the test service, with probes the tests can wait on.</summary>
public sealed class InteropService : Interop.V1.Interop.InteropBase
{
    /// <summary>Completes when a Sleep handler observes its call being cancelled.</summary>
    public TaskCompletionSource SleepCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a Sleep handler starts.</summary>
    public TaskCompletionSource SleepStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a Count handler's call is cancelled (its token fires).</summary>
    public TaskCompletionSource CountCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many Echo calls reached the handler.</summary>
    public int Echoes => _echoes;

    private int _echoes;

    public override Task<EchoReply> Echo(EchoRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref _echoes);
        return Task.FromResult(new EchoReply
        {
            Text = request.Text,
            Payload = request.Payload,
            Probe = context.RequestHeaders.GetValue("x-probe") ?? string.Empty,
            DeadlineRemainingMs = context.Deadline == DateTime.MaxValue
                ? -1
                : (long)(context.Deadline - DateTime.UtcNow).TotalMilliseconds,
        });
    }

    public override async Task Count(CountRequest request, IServerStreamWriter<CountReply> responseStream, ServerCallContext context)
    {
        using var _ = context.CancellationToken.Register(() => CountCancelled.TrySetResult());
        for (var n = 1; n <= request.Count; n++)
        {
            await responseStream.WriteAsync(new CountReply { N = n }, context.CancellationToken);
        }
    }

    public override async Task<SleepReply> Sleep(SleepRequest request, ServerCallContext context)
    {
        SleepStarted.TrySetResult();
        if (request.IgnoreCancellation)
        {
            await Task.Delay(request.Milliseconds, CancellationToken.None);
            return new SleepReply();
        }

        try
        {
            await Task.Delay(request.Milliseconds, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            SleepCancelled.TrySetResult();
            throw;
        }

        return new SleepReply();
    }

    /// <summary>Fails the way the cluster's own handlers do: a ClusterException, mapped at the edge. Code -1 throws an unexpected exception.</summary>
    public override Task<FailReply> Fail(FailRequest request, ServerCallContext context) => request.Code == -1
        ? throw new InvalidOperationException(request.Message)
        : throw new ClusterException(StatusMapping.ToKind((StatusCode)request.Code), request.Message);
}
