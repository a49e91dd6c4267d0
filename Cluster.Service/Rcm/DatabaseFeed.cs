using Cluster.Protocol.Config.V1;
using Cluster.Service.Database;
using Cluster.Service.Membership;
using Cluster.Service.Node;
using Cluster.Service.Store;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Cluster.Service.Rcm;

/// <summary>
/// Hands the node's RCM the groups the node owns, as the cluster database describes them: at start and
/// after every change to the database (a store watch). A node hosts a group only while it is the owner
/// under the current epoch and its lease is alive. For a planned move it takes the group offline, then
/// hands ownership to the target; when its RCM gives up on a group, it asks the coordinator for a failover.
/// </summary>
internal sealed partial class DatabaseFeed(
    ClusterDatabase database, DatabaseWatch.Subscription changes, ResourceControlManager rcm, NodeMembership membership, string node,
    TimeSpan nodeDeadlockTimeout, ILogger logger)
{
    private static readonly TimeSpan s_retry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan s_resync = TimeSpan.FromSeconds(5);
    private readonly Lock _markLock = new();
    private Task _marking = Task.CompletedTask;
    private volatile ClusterConfiguration _last = ClusterConfiguration.Empty;

    /// <summary>Called with the group and its new owner after a planned move's hand-over: for the cluster log.</summary>
    public Action<string, string>? OnHandedOver { get; init; }

    /// <summary>Makes the feed look again (the membership changed, say).</summary>
    public void Wake() => changes.Wake();

    /// <summary>
    /// The feed's loop, level-triggered: it compares what the database says with what the RCM hosts on
    /// every change, and again after <see cref="s_resync"/> regardless; a pass that did not converge (a
    /// group that could not be hosted, the store out of reach) is tried again with back-off. Anything
    /// else that goes wrong is a defect: it ends the loop, and the node's supervisor ends the node.
    /// </summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var failedPasses = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                InjectedFault.ThrowIfArmed(InjectedFault.FeedLoop);
                bool converged;
                try
                {
                    var configuration = await database.ReadAsync(stopping).ConfigureAwait(false);
                    _last = configuration;
                    var alive = membership.IsAlive;
                    converged = await rcm.ReconcileAsync(alive ? Desired(configuration) : []).ConfigureAwait(false);
                    if (alive)
                    {
                        await HandOverAsync(configuration, stopping).ConfigureAwait(false);
                    }
                }
                catch (ClusterStoreException e)
                {
                    // The store is unreachable: try again shortly. Membership fences the node if this lasts.
                    LogReadFailed(logger, e.Message);
                    converged = false;
                }

                failedPasses = converged ? 0 : failedPasses + 1;
                await changes.WaitAsync(converged ? s_resync : Backoff(failedPasses), stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The node is stopping.
        }
    }

    /// <summary>200 ms after the first failed pass, doubling to 5 s.</summary>
    private static TimeSpan Backoff(int failedPasses) =>
        TimeSpan.FromMilliseconds(Math.Min(5000, s_retry.TotalMilliseconds * Math.Pow(2, Math.Min(failedPasses - 1, 10))));

    /// <summary>The RCM gave up on a group (RestartAction 2 past its threshold): the coordinator moves it.</summary>
    public async Task RequestFailoverAsync(string group, string reason)
    {
        if (_last.Owners.TryGetValue(group, out var ownership) && ownership.Node == node)
        {
            try
            {
                await database.Store.PutAsync(
                    ConfigurationKeys.FailoverRequests + group,
                    new FailoverRequest { Node = node, Epoch = ownership.Epoch, Reason = reason }.ToByteArray()).ConfigureAwait(false);
            }
            catch (ClusterStoreException e)
            {
                LogReadFailed(logger, e.Message);
            }
        }
    }

    /// <summary>
    /// Marks a group this node owns as Failed in the store while its RCM has given up on it (and clears
    /// the mark when it is no longer Failed here), so that placement does not count it against capacity.
    /// </summary>
    public Task ReportGroupStateAsync(string group, GroupState state)
    {
        lock (_markLock)
        {
            // One mark at a time, in the order the states came.
            _marking = MarkAfterAsync(_marking, group, state);
            return _marking;
        }
    }

    private async Task MarkAfterAsync(Task previous, string group, GroupState state)
    {
        await previous.ConfigureAwait(false);
        var last = _last;
        try
        {
            if (state == GroupState.Failed && last.Owners.TryGetValue(group, out var ownership) && ownership.Node == node)
            {
                await database.Store.PutAsync(ConfigurationKeys.FailedGroups + group, new FailedGroup { Node = node, Epoch = ownership.Epoch }.ToByteArray())
                    .ConfigureAwait(false);
            }
            else if (state != GroupState.Failed && last.FailedGroups.TryGetValue(group, out var marked) && marked.Node == node)
            {
                await database.Store.DeleteAsync(ConfigurationKeys.FailedGroups + group).ConfigureAwait(false);
            }
        }
        catch (ClusterStoreException e)
        {
            LogReadFailed(logger, e.Message);
        }
    }

    private List<DesiredGroup> Desired(ClusterConfiguration configuration)
    {
        var desired = new List<DesiredGroup>();
        var lease = membership.Lease;
        // Owned under this very lease: after a lapse, what the node held before is the coordinator's to place again.
        foreach (var (group, ownership) in configuration.Owners.Where(o =>
            o.Value.Node == node && o.Value.MovingTo.Length == 0 && (o.Value.Lease == 0 || o.Value.Lease == lease)))
        {
            if (!configuration.Groups.ContainsKey(group))
            {
                continue;
            }

            try
            {
                desired.Add(ConfigurationMapping.Desired(configuration, group, nodeDeadlockTimeout) with { Lease = lease });
            }
            catch (GroupDefinitionException e)
            {
                // Validation keeps this out of the database; if it got in anyway, the other groups still run.
                LogBadGroup(logger, group, e.Message);
            }
        }

        return desired;
    }

    /// <summary>Planned moves away from this node: the RCM has taken the group offline; the target owns it now.</summary>
    private async Task HandOverAsync(ClusterConfiguration configuration, CancellationToken cancellationToken)
    {
        foreach (var (group, ownership) in configuration.Owners.Where(o => o.Value.Node == node && o.Value.MovingTo.Length > 0))
        {
            var next = OwnershipEdits.HandOver(configuration, ownership, node);
            if (await database.SetOwnersAsync(configuration, new Dictionary<string, Ownership> { [group] = next }, cancellationToken: cancellationToken)
                .ConfigureAwait(false))
            {
                LogHandedOver(logger, group, ownership.MovingTo);
                OnHandedOver?.Invoke(group, ownership.MovingTo);
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Group {Group} handed over to node {Node}")]
    private static partial void LogHandedOver(ILogger logger, string group, string node);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Group {Group} in the cluster database is not valid: {Error}")]
    private static partial void LogBadGroup(ILogger logger, string group, string error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "The cluster database could not be read or written, trying again: {Error}")]
    private static partial void LogReadFailed(ILogger logger, string error);
}
