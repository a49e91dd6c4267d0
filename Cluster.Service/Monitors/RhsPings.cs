using System.Collections.Concurrent;
using Cluster.Protocol;
using Cluster.Protocol.Plugins;
using Cluster.Protocol.Rhs;
using Cluster.Protocol.Rhs.V1;

namespace Cluster.Service.Monitors;

/// <summary>
/// The node's health pings to one RHS, over its pipes rather than gRPC: <c>ping SEQ</c> on its stdin, the
/// answer a <see cref="PongLine"/> on its stdout (docs/plugin-protocol.md). A ping costs the two processes
/// a handful of thread wake-ups instead of an HTTP/2 round trip's forty; it still proves what the RPC did:
/// the process runs, reads its stdin, and its thread pool serves.
/// </summary>
internal sealed class RhsPings
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<PingResponse>> _waiting = new();
    private long _sequence;

    /// <summary>Takes a line the RHS printed if it is a pong (true), whether or not anyone still waits for it.</summary>
    public bool TryReceive(string line)
    {
        if (!PongLine.Claims(line))
        {
            return false;
        }

        if (PongLine.TryParse(line, out var sequence, out var answer, out _) && _waiting.TryRemove(sequence, out var waiter))
        {
            waiter.TrySetResult(answer);
        }

        return true; // a malformed pong is dropped like a late one: the ping it answers times out
    }

    /// <summary>
    /// Pings <paramref name="rhs"/> and waits at most <paramref name="timeout"/> for its answer.
    /// </summary>
    /// <exception cref="ClusterException">DeadlineExceeded: no answer in time; Unavailable: it exited first.</exception>
    public async Task<PingResponse> AskAsync(PluginProcess rhs, TimeSpan timeout)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        var answer = new TaskCompletionSource<PingResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[sequence] = answer;
        try
        {
            rhs.SendLine(PingLine.Format(sequence));
            var first = await Task.WhenAny(answer.Task, rhs.Exited).WaitAsync(timeout).ConfigureAwait(false);
            return first == answer.Task
                ? await answer.Task.ConfigureAwait(false)
                : throw new ClusterException(ClusterErrorKind.Unavailable, $"RHS process {rhs.Pid} exited before it answered ping {sequence}.");
        }
        catch (TimeoutException)
        {
            throw new ClusterException(ClusterErrorKind.DeadlineExceeded, $"RHS process {rhs.Pid} did not answer ping {sequence} within {timeout.TotalMilliseconds} ms.");
        }
        finally
        {
            _waiting.TryRemove(sequence, out _);
        }
    }
}
