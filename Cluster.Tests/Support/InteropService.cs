using Cluster.Grpc;
using Cluster.Grpc.Server;
using Cluster.Tests.Interop.V1;

namespace Cluster.Tests.Support;

/// <summary>Our implementation of the test service, with probes the tests can wait on.</summary>
public sealed class InteropService
{
    /// <summary>Completes when a Sleep handler observes its call being cancelled.</summary>
    public TaskCompletionSource SleepCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<EchoReply> Echo(EchoRequest request, ServerCallContext context) =>
        Task.FromResult(new EchoReply
        {
            Text = request.Text,
            Payload = request.Payload,
            Probe = context.RequestHeaders.Get("x-probe") ?? string.Empty,
            DeadlineRemainingMs = context.Deadline is { } deadline
                ? (long)(deadline - DateTimeOffset.UtcNow).TotalMilliseconds
                : -1,
        });

    public async Task Count(CountRequest request, IServerStreamWriter<CountReply> responses, ServerCallContext context)
    {
        for (var n = 1; n <= request.Count; n++)
        {
            await responses.WriteAsync(new CountReply { N = n }, context.CancellationToken);
        }
    }

    public async Task<SleepReply> Sleep(SleepRequest request, ServerCallContext context)
    {
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

    public Task<FailReply> Fail(FailRequest request, ServerCallContext context) =>
        throw new RpcException((StatusCode)request.Code, request.Message);
}
