using System.Threading.Channels;
using Cluster.Service.Database;
using Cluster.Service.Store;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Rcm;

/// <summary>
/// Hands the node's RCM the groups the node owns, as the cluster database describes them: at start and
/// after every change to the database (a store watch). Until the coordinator decides placement, a
/// group nobody owns is claimed by the first node that sees it.
/// </summary>
internal sealed partial class DatabaseFeed(
    ClusterDatabase database, ResourceControlManager rcm, string node, TimeSpan nodeDeadlockTimeout, ILogger logger)
{
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>The store revision the RCM was last brought up to date with.</summary>
    public long AppliedRevision { get; private set; }

    public async Task RunAsync(CancellationToken stopping)
    {
        var start = await database.Store.CurrentRevisionAsync(stopping).ConfigureAwait(false);
        var watching = WatchAsync(start, stopping);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    var configuration = await database.ReadAsync(stopping).ConfigureAwait(false);
                    if (await ClaimUnownedAsync(configuration, stopping).ConfigureAwait(false))
                    {
                        continue; // read what was claimed
                    }

                    await rcm.ReconcileAsync(Desired(configuration)).ConfigureAwait(false);
                    AppliedRevision = configuration.Revision;
                }
                catch (Exception e) when (e is ClusterStoreException or Microsoft.Data.Sqlite.SqliteException)
                {
                    // The store is unreachable for a moment: try again shortly (the watch may have nothing new to say).
                    LogReadFailed(logger, e.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(200), stopping).ConfigureAwait(false);
                    continue;
                }

                await _changed.Reader.ReadAsync(stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The node is stopping.
        }

        await watching.ConfigureAwait(false);
    }

    private List<DesiredGroup> Desired(ClusterConfiguration configuration)
    {
        var desired = new List<DesiredGroup>();
        foreach (var group in configuration.Groups.Keys.Where(g => configuration.OwnerOf(g) == node))
        {
            try
            {
                desired.Add(ConfigurationMapping.Desired(configuration, group, nodeDeadlockTimeout));
            }
            catch (GroupDefinitionException e)
            {
                // Validation keeps this out of the database; if it got in anyway, the other groups still run.
                LogBadGroup(logger, group, e.Message);
            }
        }

        return desired;
    }

    private async Task<bool> ClaimUnownedAsync(ClusterConfiguration configuration, CancellationToken cancellationToken)
    {
        var claimed = false;
        foreach (var group in configuration.Groups.Keys.Where(g => configuration.OwnerOf(g) is null))
        {
            if (await database.ClaimAsync(group, node, cancellationToken).ConfigureAwait(false))
            {
                LogClaimed(logger, group, node);
                claimed = true;
            }
        }

        return claimed;
    }

    /// <summary>Every change under /cluster/ wakes the feed; it reads the whole database again, so one wake-up covers many changes.</summary>
    private async Task WatchAsync(long revision, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in database.Store.WatchAsync(ConfigurationKeys.Root, revision + 1, stopping).ConfigureAwait(false))
                {
                    revision = change.Revision;
                    _changed.Writer.TryWrite(true);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (ClusterStoreException e)
            {
                // Compacted past our revision: start again from now, and re-read everything.
                LogWatchRestarted(logger, e.Message);
                revision = await database.Store.CurrentRevisionAsync(stopping).ConfigureAwait(false);
                _changed.Writer.TryWrite(true);
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Group {Group} claimed by node {Node} (it had no owner)")]
    private static partial void LogClaimed(ILogger logger, string group, string node);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Group {Group} in the cluster database is not valid: {Error}")]
    private static partial void LogBadGroup(ILogger logger, string group, string error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Reading the cluster database failed, trying again: {Error}")]
    private static partial void LogReadFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Watch of the cluster database restarted: {Error}")]
    private static partial void LogWatchRestarted(ILogger logger, string error);
}
