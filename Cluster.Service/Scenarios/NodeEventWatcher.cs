using Cluster.Protocol;
using Cluster.Service.Bench;
using Grpc.Core;

namespace Cluster.Service.Scenarios;

/// <summary>
/// Follows one node's events through its admin API's WatchEvents stream into the history, and notes the
/// node's process exit from its exit notification. When the stream breaks (the node was killed, isolated
/// from nothing, restarted) it connects again: to the same incarnation from the last event it has, to a
/// new one from its first.
/// </summary>
internal sealed class NodeEventWatcher(BenchCluster cluster, string node, ScenarioHistory history)
{
    private static readonly TimeSpan s_retry = TimeSpan.FromMilliseconds(100);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        long incarnation = 0, after = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var client = cluster.Client(node);
                var identity = await client.GetNode(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                if (identity.StartedUnixMs != incarnation)
                {
                    (incarnation, after) = (identity.StartedUnixMs, 0);
                }

                await foreach (var e in client.WatchEvents(after, follow: true, cancellationToken).ConfigureAwait(false))
                {
                    after = e.Sequence;
                    history.Add(e);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested
                && e is ClusterException or RpcException or InvalidOperationException or IOException or TimeoutException)
            {
                // Killed, frozen past the call's deadline, or not up yet: its next incarnation is watched from its first event.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(s_retry, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Adds the runner's event when the node's current process exits; call again for each process started.</summary>
    public async Task WatchExitAsync(CancellationToken cancellationToken)
    {
        var pid = cluster.Pid(node);
        try
        {
            await cluster.ExitedAsync(node).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        history.AddExited(node, DateTimeOffset.UtcNow, pid);
    }
}
