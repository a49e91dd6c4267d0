using System.Threading.Channels;
using Cluster.Service.Store;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Database;

/// <summary>
/// One store watch per node over /cluster/, shared by the node's readers (the RCM's feed, the
/// coordinator): each subscription wakes after any change, or when asked to. Readers read the whole
/// database again, so one wake-up covers any number of changes. It survives compaction and an
/// unreachable store by starting again from the current revision (and waking, for what it missed).
/// </summary>
internal sealed partial class DatabaseWatch(IClusterStore store, ILogger logger)
{
    private static readonly TimeSpan s_retry = TimeSpan.FromMilliseconds(200);
    private readonly Lock _lock = new();
    private readonly List<Subscription> _subscriptions = [];

    /// <summary>A reader of its own: it is woken by every change from now on.</summary>
    public Subscription Subscribe()
    {
        var subscription = new Subscription();
        lock (_lock)
        {
            _subscriptions.Add(subscription);
        }

        return subscription;
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var revision = await store.CurrentRevisionAsync(stopping).ConfigureAwait(false);
                WakeAll(); // anything missed while the watch was down
                await foreach (var change in store.WatchAsync(ConfigurationKeys.Root, revision + 1, stopping).ConfigureAwait(false))
                {
                    WakeAll();
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (ClusterStoreException e)
            {
                LogWatchRestarted(logger, e.Message);
                try
                {
                    await Task.Delay(s_retry, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void WakeAll()
    {
        lock (_lock)
        {
            foreach (var subscription in _subscriptions)
            {
                subscription.Wake();
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Watch of the cluster database restarted: {Error}")]
    private static partial void LogWatchRestarted(ILogger logger, string error);

    /// <summary>One reader's wake-ups: at most one pending, since a wake-up means "read again".</summary>
    internal sealed class Subscription
    {
        private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

        public void Wake() => _changed.Writer.TryWrite(true);

        /// <summary>Waits for the next change (or wake-up), or at most <paramref name="timeout"/> when given.</summary>
        public async Task WaitAsync(TimeSpan? timeout, CancellationToken cancellationToken)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (timeout is { } t)
            {
                limit.CancelAfter(t);
            }

            try
            {
                await _changed.Reader.ReadAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The timeout: look anyway.
            }
        }
    }
}
